package config

import (
	"reflect"
	"strings"
)

// fieldSet is the decodable fields of a struct type.
type fieldSet struct {
	byName map[string][]int
	names  []string // in declaration order, for suggestions
}

func fieldsOf(t reflect.Type) fieldSet {
	fs := fieldSet{byName: map[string][]int{}}
	collectFields(t, nil, &fs)
	return fs
}

func collectFields(t reflect.Type, prefix []int, fs *fieldSet) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if tag == "-" {
			continue
		}
		index := append(append([]int(nil), prefix...), i)
		if strings.Contains(","+opts+",", ",inline,") {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				collectFields(ft, index, fs)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		if _, dup := fs.byName[name]; dup {
			continue // the shallower (earlier) field wins, as in yaml.v3
		}
		fs.byName[name] = index
		fs.names = append(fs.names, name)
	}
}

// fieldByIndex is v.FieldByIndex, allocating nil embedded pointers on the way.
func fieldByIndex(v reflect.Value, index []int) reflect.Value {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v
}

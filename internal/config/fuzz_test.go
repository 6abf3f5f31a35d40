package config

import (
	"errors"
	"os"
	"testing"
)

// FuzzParse: no input makes Parse panic, and every failure is an *Errors
// with at least one positioned error.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"testdata/valid", "testdata/invalid"} {
		for _, file := range testdataFiles(f, dir) {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte("a: &a [*a]"))
	f.Add([]byte("<<: {services: []}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := testLoader.Parse(data, "fuzz.yaml")
		if err == nil {
			if c == nil || len(c.Listeners) == 0 {
				t.Fatalf("nil error but config %+v", c)
			}
			return
		}
		var errs *Errors
		if !errors.As(err, &errs) {
			t.Fatalf("error %T is not *Errors: %v", err, err)
		}
		if len(errs.List) == 0 {
			t.Fatal("*Errors with an empty List")
		}
		for _, fe := range errs.List {
			if fe.Line < 1 || fe.Col < 1 {
				t.Fatalf("error without a position: %+v", fe)
			}
		}
	})
}

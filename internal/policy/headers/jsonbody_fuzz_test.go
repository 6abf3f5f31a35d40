package headers

import (
	"encoding/json"
	"testing"
)

type constTemplate string

func (c constTemplate) render(any) string { return string(c) }

// FuzzBodyTransform feeds untrusted bodies to the JSON transform: it must
// never panic, and what it returns must be JSON.
func FuzzBodyTransform(f *testing.F) {
	for _, s := range []string{`{"a":{"b":1},"c":[{"d":2}]}`, `[{"a":1}]`, `{"a":"x"}`, `1`, `{"a":[1,{"b":[]}]}`} {
		f.Add([]byte(s))
	}
	o := &bodyOps{
		remove: []fieldPath{{"c", "d"}},
		rename: []fieldRename{{fieldPath{"a", "b"}, fieldPath{"z"}}},
		set:    []fieldValue{{fieldPath{"a", "x"}, constTemplate("v")}},
		add:    []fieldValue{{fieldPath{"y"}, constTemplate("w")}},
		deny:   []fieldPath{{"q"}},
		allow:  &fieldTree{},
	}
	for _, p := range []fieldPath{{"a"}, {"c", "e"}, {"z"}, {"y"}} {
		o.allow.insert(p)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		out, err := o.transform(body, nil)
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("transform(%q) = %q, not JSON", body, out)
		}
	})
}

package admin

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestMergePatch(t *testing.T) {
	cases := []struct {
		name, target, patch, want string
	}{
		{"replace a scalar", "a: 1\nb: 2\n", "b: 3\n", "a: 1\nb: 3\n"},
		{"add a key", "a: 1\n", "c: x\n", "a: 1\nc: x\n"},
		{"null removes", "a: 1\nb: 2\n", "a: null\n", "b: 2\n"},
		{"null on an absent key", "a: 1\n", "z: null\n", "a: 1\n"},
		{"nested mappings merge", "m:\n  x: 1\n  y: 2\n", "m:\n  y: 3\n", "m:\n  x: 1\n  y: 3\n"},
		{"lists replace whole", "l: [1, 2]\n", "l: [3]\n", "l: [3]\n"},
		{"mapping over a scalar", "m: 1\n", "m:\n  x: 1\n", "m:\n  x: 1\n"},
		{"comments kept", "a: 1 # one\nb: 2\n", "b: 3\n", "a: 1 # one\nb: 3\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			target, patch := mapping(t, c.target), mapping(t, c.patch)
			out, err := yaml.Marshal(mergePatch(target, patch))
			if err != nil {
				t.Fatal(err)
			}
			if got := normalise(t, string(out)); got != normalise(t, c.want) {
				t.Fatalf("got\n%s\nwant\n%s", got, normalise(t, c.want))
			}
		})
	}
}

func TestBearer(t *testing.T) {
	cases := []struct {
		header, want string
		ok           bool
	}{
		{"Bearer abc", "abc", true},
		{"bearer abc", "abc", true},
		{"BEARER abc", "abc", true},
		{"Bearer ", "", false},
		{"Basic abc", "", false},
		{"", "", false},
		{"Bearerabc", "", false},
	}
	for _, c := range cases {
		t.Run(c.header, func(t *testing.T) {
			got, ok := bearer(c.header)
			if got != c.want || ok != c.ok {
				t.Fatalf("bearer(%q) = %q, %v; want %q, %v", c.header, got, ok, c.want, c.ok)
			}
		})
	}
}

// FuzzMergePatch feeds request bodies (untrusted) through the patch path:
// it must never panic, and the result must encode.
func FuzzMergePatch(f *testing.F) {
	f.Add("name: a\nmatch:\n  path: /x\n", `{"match": {"path": null}, "rewrite": "/y"}`)
	f.Add("a: [1, 2]\n", `{"a": {"b": null}}`)
	f.Add("a: 1\n", "a: !!binary aGk=\n")
	f.Fuzz(func(t *testing.T, target, patch string) {
		var tn, pn yaml.Node
		if yaml.Unmarshal([]byte(target), &tn) != nil || yaml.Unmarshal([]byte(patch), &pn) != nil {
			return
		}
		if len(tn.Content) != 1 || len(pn.Content) != 1 || pn.Content[0].Kind != yaml.MappingNode {
			return
		}
		obj := pn.Content[0]
		unflow(obj)
		out := mergePatch(tn.Content[0], obj)
		if out == nil {
			t.Fatal("mergePatch returned nil")
		}
		_, _ = yaml.Marshal(out) // must not panic
	})
}

func mapping(t *testing.T, src string) *yaml.Node {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	return n.Content[0]
}

// normalise re-encodes YAML in block style so flow and block forms compare equal.
func normalise(t *testing.T, src string) string {
	t.Helper()
	n := mapping(t, src)
	var strip func(*yaml.Node)
	strip = func(n *yaml.Node) {
		n.Style = 0
		for _, c := range n.Content {
			strip(c)
		}
	}
	strip(n)
	out, err := yaml.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

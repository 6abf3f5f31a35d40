package config

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func node(t *testing.T, src string) *yaml.Node {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	return &n
}

// errStrings renders errors as "L:C: path: msg" for compact comparisons.
func errStrings(errs []FieldError) []string {
	var out []string
	for _, e := range errs {
		out = append(out, strings.TrimPrefix(e.Format(""), ":"))
	}
	return out
}

// policySpec stands in for a policy package's settings type.
type policySpec struct {
	Common   `yaml:",inline"`
	Limit    uint16            `yaml:"limit"`
	Ratio    float64           `yaml:"ratio"`
	Enabled  *bool             `yaml:"enabled"`
	Nets     []netip.Prefix    `yaml:"nets"`
	Labels   map[string]string `yaml:"labels"`
	Extra    any               `yaml:"extra"`
	Window   Duration          `yaml:"window"`
	Untagged string
	Skipped  string `yaml:"-"`
	hidden   string
}

type Common struct {
	Mode string `yaml:"mode"`
}

func TestDecodePolicyLikeStruct(t *testing.T) {
	out := policySpec{Limit: 7, Window: Duration(5e9)} // pre-set defaults survive
	errs := Decode(node(t, `
mode: strict
ratio: 0.25
enabled: false
nets: [10.0.0.0/8, "fd00::/8"]
labels: {a: "1", b: 2}
extra: {list: [1, 2.5, true, null, x]}
untagged: yes-a-string
`), "routes[0].policies.x", &out)
	if errs != nil {
		t.Fatal(errStrings(errs))
	}
	f := false
	want := policySpec{
		Common: Common{Mode: "strict"}, Limit: 7, Ratio: 0.25, Enabled: &f,
		Nets:   []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")},
		Labels: map[string]string{"a": "1", "b": "2"},
		Extra:  map[string]any{"list": []any{1, 2.5, true, nil, "x"}},
		Window: Duration(5e9), Untagged: "yes-a-string",
	}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("got  %+v\nwant %+v", out, want)
	}
}

func TestDecodeErrors(t *testing.T) {
	var out policySpec
	errs := Decode(node(t, `
limit: -1
ratio: 1e999
enabled: on
nets: [10.0.0.0/33]
labels: [a]
window: 10
skipped: x
hidden: y
limit: 3
mode: {a: 1}
`), "p", &out)
	want := []string{
		`2:8: p.limit: expected a non-negative integer, got "-1"`,
		`3:8: p.ratio: expected a number, got "1e999"`,
		`4:10: p.enabled: expected a boolean (true or false), got "on"`,
		`5:8: p.nets[0]: invalid value "10.0.0.0/33": netip.ParsePrefix("10.0.0.0/33"): prefix length out of range`,
		`6:9: p.labels: expected a mapping, got a list`,
		`7:9: p.window: invalid duration "10": missing unit (e.g. "10s")`,
		`8:1: p.skipped: unknown field "skipped"`,
		`9:1: p.hidden: unknown field "hidden"`,
		`10:1: p.limit: duplicate key "limit" (first at line 2)`,
		`11:7: p.mode: expected a string, got a mapping`,
	}
	if got := errStrings(errs); !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestDecodeIntegers(t *testing.T) {
	cases := []struct {
		src     string
		want    int8
		wantErr string
	}{
		{"5", 5, ""},
		{"+5", 5, ""},
		{"-128", -128, ""},
		{"0x10", 16, ""},
		{"0o17", 15, ""},
		{"010", 10, ""}, // decimal, never octal
		{`"42"`, 42, ""},
		{"128", 0, "integer 128 is out of range"},
		{"5.0", 0, `expected an integer, got "5.0"`},
		{"1e3", 0, `expected an integer, got "1e3"`},
		{"--5", 0, `expected an integer, got "--5"`},
		{"0x", 0, `expected an integer, got "0x"`},
	}
	for _, c := range cases {
		var v struct {
			N int8 `yaml:"n"`
		}
		errs := Decode(node(t, "n: "+c.src), "", &v)
		switch {
		case c.wantErr == "" && errs != nil:
			t.Errorf("%s: %v", c.src, errs)
		case c.wantErr != "" && (len(errs) != 1 || errs[0].Msg != c.wantErr):
			t.Errorf("%s: errors %v, want %q", c.src, errs, c.wantErr)
		case v.N != c.want:
			t.Errorf("%s: got %d, want %d", c.src, v.N, c.want)
		}
	}
}

func TestDecodeDurations(t *testing.T) {
	cases := map[string]string{
		"1.5s":    "",
		"250ms":   "",
		"1h30m":   "",
		"0":       "",
		"5":       `invalid duration "5": missing unit (e.g. "5s")`,
		"-5s":     "must not be negative",
		"5 s":     `invalid duration "5 s" (e.g. "1.5s", "250ms", "2m"; units ns, us, ms, s, m, h)`,
		"[5s]":    "expected a duration, got a list",
		"1e9999h": `invalid duration "1e9999h" (e.g. "1.5s", "250ms", "2m"; units ns, us, ms, s, m, h)`,
	}
	for src, want := range cases {
		var v struct {
			D Duration `yaml:"d"`
		}
		errs := Decode(node(t, "d: "+src), "", &v)
		got := ""
		if len(errs) > 0 {
			got = errs[0].Msg
		}
		if got != want {
			t.Errorf("%s: got %q, want %q", src, got, want)
		}
	}
}

func TestDecodeAliasCycle(t *testing.T) {
	var v struct {
		X []any `yaml:"x"`
	}
	errs := Decode(node(t, "x: &a [1, *a]"), "", &v)
	if len(errs) != 1 || !strings.Contains(errs[0].Msg, "refers to a value that contains it") {
		t.Errorf("errs = %v", errStrings(errs))
	}
}

func TestDecodeAliasBudget(t *testing.T) {
	// Nine levels of ten aliases each would expand to 10^9 values.
	var b strings.Builder
	b.WriteString("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		p := "*l" + string(rune('0'+i-1))
		b.WriteString("l" + string(rune('0'+i)) + ": &l" + string(rune('0'+i)) + " [" + strings.Repeat(p+", ", 9) + p + "]\n")
	}
	var v map[string]any
	errs := Decode(node(t, b.String()), "", &v)
	if len(errs) != 1 || !strings.Contains(errs[0].Msg, "expand to more than") {
		t.Errorf("errs = %v", errStrings(errs))
	}
}

func TestDecodeNeedsPointer(t *testing.T) {
	var v struct{}
	errs := Decode(node(t, "a: 1"), "p", v)
	if len(errs) != 1 || !strings.Contains(errs[0].Msg, "non-nil pointer") {
		t.Errorf("errs = %v", errs)
	}
}

func TestDecodeNilAndDocumentNodes(t *testing.T) {
	var v struct {
		A int `yaml:"a"`
	}
	if errs := Decode(nil, "", &v); errs != nil {
		t.Errorf("nil node: %v", errs)
	}
	if errs := Decode(node(t, "a: 3"), "", &v); errs != nil || v.A != 3 {
		t.Errorf("document node: %v %d", errs, v.A)
	}
}

func TestDecodeRawNode(t *testing.T) {
	var v struct {
		Raw  yaml.Node  `yaml:"raw"`
		Ptr  *yaml.Node `yaml:"ptr"`
		Rest Policies   `yaml:"rest"`
	}
	errs := Decode(node(t, "raw: {a: 1}\nptr: [1]\nrest: {p: {q: 1}}"), "x", &v)
	if errs != nil {
		t.Fatal(errs)
	}
	if v.Raw.Kind != yaml.MappingNode || v.Ptr == nil || v.Ptr.Kind != yaml.SequenceNode {
		t.Errorf("raw nodes: %+v %+v", v.Raw, v.Ptr)
	}
	if p := v.Rest["p"]; p.Path != "x.rest.p" || p.Node == nil || p.Node.Line != 3 {
		t.Errorf("raw policy: %+v", p)
	}
}

func TestMergeKeyPrecedence(t *testing.T) {
	var v struct {
		Out map[string]int `yaml:"out"`
	}
	src := `
a: &a {x: 1, y: 1}
b: &b {y: 2, z: 2}
out:
  <<: [*a, *b]
  x: 3
`
	var whole struct {
		A   map[string]int `yaml:"a"`
		B   map[string]int `yaml:"b"`
		Out map[string]int `yaml:"out"`
	}
	if errs := Decode(node(t, src), "", &whole); errs != nil {
		t.Fatal(errs)
	}
	v.Out = whole.Out
	want := map[string]int{"x": 3, "y": 1, "z": 2}
	if !reflect.DeepEqual(v.Out, want) {
		t.Errorf("got %v, want %v", v.Out, want)
	}
}

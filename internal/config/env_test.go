package config

import (
	"errors"
	"reflect"
	"testing"
)

func TestExpandEnv(t *testing.T) {
	env := map[string]string{"HOST": "db", "EMPTY": "", "WEIRD": "a: b\n- c"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	cases := []struct {
		in, out  string
		problems []string
	}{
		{"plain", "plain", nil},
		{"${HOST}", "db", nil},
		{"http://${HOST}:5432/x", "http://db:5432/x", nil},
		{"${HOST}${HOST}", "dbdb", nil},
		{"${MISSING:-fallback}", "fallback", nil},
		{"${EMPTY:-fallback}", "fallback", nil},
		{"${EMPTY}", "", nil},
		{"${HOST:-fallback}", "db", nil},
		{"${MISSING:-}", "", nil},
		{"${MISSING:-a:-b}", "a:-b", nil},
		{"$${HOST}", "${HOST}", nil},
		{"$$${HOST}", "$${HOST}", nil}, // "$" then the escape "$${"
		{"$HOST $1 $ {HOST} $$", "$HOST $1 $ {HOST} $$", nil},
		{"${WEIRD}", "a: b\n- c", nil},
		{"${MISSING}", "${MISSING}", []string{`environment variable "MISSING" is not set`}},
		{"${A}-${B}", "${A}-${B}", []string{`environment variable "A" is not set`, `environment variable "B" is not set`}},
		{"${}", "${}", []string{`invalid reference "${}" (use ${NAME} or ${NAME:-default}; NAME is letters, digits and _)`}},
		{"${HOST:x}", "${HOST:x}", []string{`invalid reference "${HOST:x}" (use ${NAME} or ${NAME:-default}; NAME is letters, digits and _)`}},
		{"x${HOST", "x${HOST", []string{`unterminated "${" (write "$${" for a literal "${")`}},
	}
	for _, c := range cases {
		out, problems := expandEnv(c.in, lookup)
		if out != c.out || !reflect.DeepEqual(problems, c.problems) {
			t.Errorf("expandEnv(%q) = %q, %q; want %q, %q", c.in, out, problems, c.out, c.problems)
		}
	}
}

// TestEnvCannotInjectStructure: a value that looks like YAML stays one
// string, and positions after it do not move.
func TestEnvCannotInjectStructure(t *testing.T) {
	l := Loader{LookupEnv: func(k string) (string, bool) {
		return map[string]string{"NAME": "x\nservices: []", "URL": "http://a"}[k], true
	}}
	_, err := l.Parse([]byte("services:\n  - name: ${NAME}\n    targets:\n      - url: ${URL}\nroutes: [{service: nope}]\n"), "f.yaml")
	var errs *Errors
	if !errors.As(err, &errs) {
		t.Fatalf("err = %v", err)
	}
	want := []string{
		"f.yaml:2:11: services[0].name: invalid name \"x\\nservices: []\": use only letters, digits, \"_\", \".\" and \"-\"",
		"f.yaml:5:20: routes[0].service: unknown service \"nope\"",
	}
	var got []string
	for _, fe := range errs.List {
		got = append(got, fe.Format(errs.File))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// TestEnvInKeysIsLiteral: keys are names, not configuration.
func TestEnvInKeysIsLiteral(t *testing.T) {
	l := Loader{LookupEnv: func(string) (string, bool) { return "services", true }}
	_, err := l.Parse([]byte("${X}: []\n"), "f.yaml")
	if err == nil || err.Error() != `f.yaml:1:1: ${X}: unknown field "${X}"` {
		t.Errorf("err = %v", err)
	}
}

// TestEnvTypedValues: substituted text decodes into ints, bools and
// durations like the same text written inline.
func TestEnvTypedValues(t *testing.T) {
	l := Loader{LookupEnv: func(k string) (string, bool) {
		return map[string]string{"W": "5", "PH": "true", "T": "2s"}[k], true
	}}
	c, err := l.Parse([]byte(`
services: [{name: a, targets: [{url: "http://a", weight: "${W}"}], timeouts: {connect: "${T}"}}]
routes: [{service: a, preserve_host: "${PH}"}]
`), "f.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Services[0].Targets[0].Weight != 5 || !c.Routes[0].PreserveHost || c.Services[0].Timeouts.Connect.String() != "2s" {
		t.Errorf("got %+v %+v", c.Services[0], c.Routes[0])
	}
}

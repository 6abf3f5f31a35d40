package pipeline

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/gatehouse/gatehouse/internal/config"
)

func TestTemplateExpand(t *testing.T) {
	r := httptest.NewRequest("POST", "/x", nil)
	r.Header.Set("X-Tenant", "acme")
	st := &State{RequestID: "rid", ClientIP: "192.0.2.1", Route: "orders", Service: "orders-svc", Host: "api.test", Path: "/api/x", Scheme: "https"}
	cases := map[string]string{
		"plain":                            "plain",
		"{request_id}":                     "rid",
		"{client_ip}/{route}/{service}":    "192.0.2.1/orders/orders-svc",
		"{method} {scheme}://{host}{path}": "POST https://api.test/api/x",
		"t={header.X-Tenant}":              "t=acme",
		"missing={header.X-None}":          "missing=",
		"{{literal}}":                      "{literal}",
		"":                                 "",
	}
	for src, want := range cases {
		tpl, err := CompileTemplate(src)
		if err != nil {
			t.Fatalf("CompileTemplate(%q): %v", src, err)
		}
		if got := tpl.Expand(r, st); got != want {
			t.Errorf("%q expanded to %q; want %q", src, got, want)
		}
	}
}

func TestTemplateErrors(t *testing.T) {
	for src, want := range map[string]string{
		"{nope}":      "nope",
		"{request_id": "unclosed",
		"a}b":         "unmatched",
		"{header.}":   "header",
		"{}":          "",
	} {
		_, err := CompileTemplate(src)
		if err == nil {
			t.Errorf("CompileTemplate(%q) accepted", src)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("CompileTemplate(%q) = %v; want it to mention %q", src, err, want)
		}
	}
}

// FuzzCompileTemplate: compiling never panics, and a compiled template
// expands without panicking; a template without braces is itself.
func FuzzCompileTemplate(f *testing.F) {
	for _, s := range []string{"", "x", "{request_id}", "{{", "}}", "{header.A}", "{a}{b}", "{", "}"} {
		f.Add(s)
	}
	r := httptest.NewRequest("GET", "/", nil)
	st := &State{}
	f.Fuzz(func(t *testing.T, s string) {
		tpl, err := CompileTemplate(s)
		if err != nil {
			return
		}
		out := tpl.Expand(r, st)
		if !strings.ContainsAny(s, "{}") && out != s {
			t.Fatalf("%q expanded to %q", s, out)
		}
	})
}

func TestWriteErrorShape(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	st := &State{RequestID: "abc-123"}
	r = WithState(r, st)
	w := httptest.NewRecorder()
	err := &Error{Status: 429, Msg: `slow "down"` + "\n", Header: http.Header{"Retry-After": {"3"}}, Err: errors.New("internal detail")}
	WriteError(w, r, err)
	if w.Code != 429 || w.Header().Get("Retry-After") != "3" || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d headers %v", w.Code, w.Header())
	}
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q is not JSON: %v", w.Body.String(), err)
	}
	if body["error"] != "slow \"down\"\n" || body["status"] != float64(429) || body["request_id"] != "abc-123" {
		t.Fatalf("body = %v", body)
	}
	if strings.Contains(w.Body.String(), "internal detail") {
		t.Fatal("the internal cause reached the client")
	}
	if st.Err == nil {
		t.Fatal("the error was not recorded for the access log")
	}
	// Anything that is not an *Error is a 500 that reveals nothing.
	w = httptest.NewRecorder()
	WriteError(w, httptest.NewRequest("HEAD", "/", nil), errors.New("db password wrong"))
	if w.Code != 500 || w.Body.Len() != 0 {
		t.Fatalf("plain error: %d %q; want 500 and no body for HEAD", w.Code, w.Body.String())
	}
}

func TestMergePrecedenceAndOrder(t *testing.T) {
	mk := func(name string, phase Phase, path string) Decoded {
		return Decoded{Name: name, Phase: phase, Path: config.Path(path)}
	}
	global := []Decoded{mk("rate_limit", PhaseLimit, "policies.rate_limit"), mk("cors", PhaseAccess, "policies.cors")}
	service := []Decoded{mk("rate_limit", PhaseLimit, "services[0].policies.rate_limit")}
	route := []Decoded{mk("jwt", PhaseAuthenticate, "routes[0].policies.jwt"), mk("rate_limit", PhaseLimit, "routes[0].policies.rate_limit")}
	got := Merge(global, service, route)
	var order []string
	for _, d := range got {
		order = append(order, d.Name+"@"+string(d.Path))
	}
	want := "cors@policies.cors jwt@routes[0].policies.jwt rate_limit@routes[0].policies.rate_limit"
	if strings.Join(order, " ") != want {
		t.Fatalf("merged = %v; want %s", order, want)
	}
	if got := Merge(global, service, nil); got[1].Path != "services[0].policies.rate_limit" {
		t.Fatalf("service scope did not override global: %v", got)
	}
}

// registerDecodeTestPolicy registers once per process: the registry
// refuses duplicates, and tests may run several times (-count).
var registerDecodeTestPolicy = sync.OnceFunc(func() {
	Register("test_policy_for_decode", PhaseTransform, func() Spec { return nil })
})

func TestDecodeUnknownPolicySuggests(t *testing.T) {
	registerDecodeTestPolicy()
	var node yaml.Node
	yaml.Unmarshal([]byte("{}"), &node)
	_, errs := Decode(config.Policies{"test_policy_for_decod": {Path: "policies.test_policy_for_decod", Node: node.Content[0]}})
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), `did you mean "test_policy_for_decode"`) {
		t.Fatalf("errors = %v; want an unknown-policy error with a suggestion", errs)
	}
}

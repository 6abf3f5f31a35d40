package cors

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

func build(t testing.TB, s *Spec) *Policy {
	t.Helper()
	if errs := s.Validate(config.Path("cors")); len(errs) > 0 {
		t.Fatal(errs)
	}
	p, err := s.Build(pipeline.BuildContext{})
	if err != nil {
		t.Fatal(err)
	}
	return p.(*Policy)
}

func TestPreflightAndSimple(t *testing.T) {
	p := build(t, &Spec{Origins: []string{"https://app.example.com"}, Credentials: true, MaxAge: config.Duration(600e9), ExposedHeaders: []string{"X-Total"}, PrivateNetwork: true})
	reached := false
	next := func(w http.ResponseWriter, r *http.Request) error { reached = true; return nil }

	r := httptest.NewRequest("OPTIONS", "/x", nil)
	r.Header.Set("Origin", "https://app.example.com")
	r.Header.Set("Access-Control-Request-Method", "DELETE")
	r.Header.Set("Access-Control-Request-Headers", "authorization, x-custom")
	r.Header.Set("Access-Control-Request-Private-Network", "true")
	w := httptest.NewRecorder()
	if err := p.Handle(w, r, next); err != nil || reached {
		t.Fatalf("preflight: err %v, forwarded %v", err, reached)
	}
	h := w.Header()
	for k, want := range map[string]string{
		"Access-Control-Allow-Origin":          "https://app.example.com",
		"Access-Control-Allow-Credentials":     "true",
		"Access-Control-Allow-Headers":         "authorization, x-custom",
		"Access-Control-Max-Age":               "600",
		"Access-Control-Allow-Private-Network": "true",
		"Vary":                                 "Origin",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q; want %q", k, got, want)
		}
	}
	if w.Code != 204 {
		t.Errorf("status %d; want 204", w.Code)
	}

	r = httptest.NewRequest("GET", "/x", nil)
	r.Header.Set("Origin", "https://other.example.com")
	w = httptest.NewRecorder()
	if err := p.Handle(w, r, next); err != nil || !reached {
		t.Fatalf("simple request: err %v, forwarded %v", err, reached)
	}
	if got := w.Header().Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("disallowed origin got Allow-Origin %q", got)
	}
	if got := w.Header().Get("Vary"); got != "Origin" {
		t.Errorf("Vary %q; want Origin", got)
	}
}

func TestModifyResponseDropsServiceHeaders(t *testing.T) {
	p := build(t, &Spec{Origins: []string{"*"}})
	resp := &http.Response{Header: http.Header{"Access-Control-Allow-Origin": {"*"}, "X-Keep": {"1"}}}
	p.ModifyResponse(resp, nil)
	if _, ok := resp.Header["Access-Control-Allow-Origin"]; ok || resp.Header.Get("X-Keep") != "1" {
		t.Fatalf("header after: %v", resp.Header)
	}
}

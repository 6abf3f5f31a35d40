package extauthz

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

func decode(t testing.TB, settings string) ([]pipeline.Decoded, []config.FieldError) {
	t.Helper()
	var node yaml.Node
	if err := yaml.Unmarshal([]byte(settings), &node); err != nil {
		t.Fatal(err)
	}
	return pipeline.Decode(config.Policies{"ext_authz": {Path: "routes[0].policies.ext_authz", Node: node.Content[0]}})
}

func build(t testing.TB, settings string) pipeline.Policy {
	t.Helper()
	ds, errs := decode(t, settings)
	if len(errs) > 0 {
		t.Fatalf("%s: %v", settings, errs)
	}
	p, err := ds[0].Spec.Build(pipeline.BuildContext{Path: ds[0].Path, Config: &config.Config{}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// authorizer allows requests carrying "Authorization: Bearer good" and
// counts its calls.
func authorizer(t *testing.T, calls *atomic.Int32) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		b, _ := io.ReadAll(r.Body)
		switch {
		case r.URL.Path == "/authz/down":
			w.WriteHeader(503)
		case r.Header.Get("Authorization") == "Bearer good" && r.Header.Get("X-Forwarded-Method") == r.Method:
			w.Header().Set("X-User", "ann")
			w.Header().Set("X-Other", "not copied")
			w.WriteHeader(200)
		case string(b) == "let me in":
			w.Header().Set("X-User", "body")
			w.WriteHeader(204)
		default:
			w.Header().Set("WWW-Authenticate", `Bearer realm="authz"`)
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(401)
			io.WriteString(w, "no entry for "+r.URL.Path)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func run(p pipeline.Policy, method, path, auth, body string) (*httptest.ResponseRecorder, *http.Request, error) {
	var rb io.Reader
	if body != "" {
		rb = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, path, rb)
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	st := &pipeline.State{RequestID: "rid", ClientIP: "192.0.2.1", Host: "api.test", Scheme: "http", Path: r.URL.Path}
	r = pipeline.WithState(r, st)
	w := httptest.NewRecorder()
	var seen *http.Request
	err := p.Handle(w, r, func(w http.ResponseWriter, r *http.Request) error { seen = r; return nil })
	return w, seen, err
}

func TestAllowDenyRelay(t *testing.T) {
	var calls atomic.Int32
	a := authorizer(t, &calls)
	p := build(t, `{url: "`+a.URL+`/authz", upstream_headers: [X-User]}`)

	_, seen, err := run(p, "GET", "/orders", "Bearer good", "")
	if err != nil || seen == nil {
		t.Fatalf("allowed request: err %v, reached next %v", err, seen != nil)
	}
	if seen.Header.Get("X-User") != "ann" || seen.Header.Get("X-Other") != "" {
		t.Errorf("upstream headers %v; want X-User only", seen.Header)
	}

	w, seen, err := run(p, "GET", "/orders", "Bearer bad", "")
	if err != nil || seen != nil {
		t.Fatalf("denied request: err %v, reached next %v", err, seen != nil)
	}
	if w.Code != 401 || w.Header().Get("Www-Authenticate") != `Bearer realm="authz"` || w.Body.String() != "no entry for /authz/orders" {
		t.Errorf("denial %d %v %q; want the authorizer's 401 relayed", w.Code, w.Header(), w.Body.String())
	}
}

func TestDown(t *testing.T) {
	var calls atomic.Int32
	a := authorizer(t, &calls)
	for _, url := range []string{a.URL + "/authz", "http://127.0.0.1:1"} {
		p := build(t, `{url: "`+url+`", timeout: 2s}`)
		_, seen, err := run(p, "GET", "/down", "Bearer good", "")
		if pe := pipeline.AsError(err); seen != nil || pe.Status != 503 {
			t.Errorf("%s: err %v, reached next %v; want 503", url, err, seen != nil)
		}
		p = build(t, `{url: "`+url+`", failure_mode_allow: true}`)
		if _, seen, err := run(p, "GET", "/down", "", ""); err != nil || seen == nil {
			t.Errorf("%s with failure_mode_allow: err %v, reached next %v; want allowed", url, err, seen != nil)
		}
	}
}

func TestCache(t *testing.T) {
	var calls atomic.Int32
	a := authorizer(t, &calls)
	p := build(t, `{url: "`+a.URL+`", cache_ttl: 1m, upstream_headers: [X-User]}`)
	for range 3 {
		if _, seen, _ := run(p, "GET", "/a", "Bearer good", ""); seen == nil || seen.Header.Get("X-User") != "ann" {
			t.Fatal("cached allow lost its headers")
		}
		if w, _, _ := run(p, "GET", "/a", "Bearer bad", ""); w.Code != 401 {
			t.Fatalf("cached denial %d; want 401", w.Code)
		}
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("authorizer called %d times; want 2 (one per distinct request)", n)
	}
}

func TestBody(t *testing.T) {
	var calls atomic.Int32
	a := authorizer(t, &calls)
	p := build(t, `{url: "`+a.URL+`", include_body: true, max_body_bytes: 16}`)
	_, seen, err := run(p, "POST", "/a", "", "let me in")
	if err != nil || seen == nil {
		t.Fatalf("err %v; want the body to let the request in", err)
	}
	if b, _ := io.ReadAll(seen.Body); string(b) != "let me in" {
		t.Errorf("service would get body %q; want it intact", b)
	}
	if _, _, err := run(p, "POST", "/a", "", strings.Repeat("x", 17)); pipeline.AsError(err).Status != 413 {
		t.Errorf("over-long body: %v; want 413", err)
	}
}

func TestValidate(t *testing.T) {
	cases := []struct{ settings, want string }{
		{`{}`, `routes[0].policies.ext_authz.url: required`},
		{`{url: "ftp://x"}`, `routes[0].policies.ext_authz.url: must be an http or https URL`},
		{`{url: "http://x", upstream_headers: [Transfer-Encoding]}`, `routes[0].policies.ext_authz.upstream_headers[0]: header "Transfer-Encoding" cannot be copied`},
		{`{url: "http://x", request_headers: [X_User]}`, `routes[0].policies.ext_authz.request_headers[0]: header name "X_User" has an underscore`},
		{`{url: "http://x", max_body_bytes: 10}`, `routes[0].policies.ext_authz.max_body_bytes: only meaningful with include_body: true`},
		{`{url: "http://x", cache_ttl: -1s}`, `routes[0].policies.ext_authz.cache_ttl: must not be negative`},
	}
	for _, c := range cases {
		_, errs := decode(t, c.settings)
		var all []string
		for _, e := range errs {
			all = append(all, e.Error())
		}
		if !strings.Contains(strings.Join(all, "\n"), c.want) {
			t.Errorf("%s: errors %v; want %q", c.settings, all, c.want)
		}
	}
}

// TestCacheKeyedByClient: a decision for one client address is not reused
// for another, since the authorizer is told the address.
func TestCacheKeyedByClient(t *testing.T) {
	var calls atomic.Int32
	a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Header.Get("X-Forwarded-For") != "192.0.2.1" {
			w.WriteHeader(403)
		}
	}))
	t.Cleanup(a.Close)
	p := build(t, `{url: "`+a.URL+`", cache_ttl: 1m}`)
	ask := func(ip string) int {
		r := pipeline.WithState(httptest.NewRequest("GET", "/x", nil), &pipeline.State{ClientIP: ip, Path: "/x"})
		w := httptest.NewRecorder()
		p.Handle(w, r, func(w http.ResponseWriter, r *http.Request) error { w.WriteHeader(200); return nil })
		return w.Code
	}
	if got := ask("192.0.2.1"); got != 200 {
		t.Fatalf("allowed address: %d", got)
	}
	if got := ask("198.51.100.9"); got != 403 {
		t.Errorf("other address after a cached allow: %d; want 403", got)
	}
}

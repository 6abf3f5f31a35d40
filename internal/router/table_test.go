package router

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
)

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

// req describes one request for a table case.
type req struct {
	method string // default GET
	host   string // default "example.com"
	path   string
	query  string
	header http.Header
}

func (q req) do(t *testing.T, tb *Table) Result {
	t.Helper()
	if q.method == "" {
		q.method = http.MethodGet
	}
	if q.host == "" {
		q.host = "example.com"
	}
	target := "http://gatehouse.test/"
	if q.query != "" {
		target += "?" + q.query
	}
	r := httptest.NewRequest(q.method, target, nil)
	if q.header != nil {
		r.Header = q.header
	}
	return tb.Match(r, q.host, q.path)
}

func TestMatch(t *testing.T) {
	tests := []struct {
		name  string
		specs []Spec
		req   req
		want  int      // matched index, -1 for none
		allow []string // want Result.Allow
		caps  []Capture
	}{
		{"empty table", nil, req{path: "/"}, -1, nil, nil},

		// Hosts.
		{"exact host", []Spec{{Hosts: []string{"api.example.com"}}}, req{host: "api.example.com", path: "/"}, 0, nil, nil},
		{"exact host other host", []Spec{{Hosts: []string{"api.example.com"}}}, req{host: "www.example.com", path: "/"}, -1, nil, nil},
		{"wildcard host", []Spec{{Hosts: []string{"*.example.com"}}}, req{host: "a.example.com", path: "/"}, 0, nil, nil},
		{"wildcard host deep", []Spec{{Hosts: []string{"*.example.com"}}}, req{host: "a.b.example.com", path: "/"}, 0, nil, nil},
		{"wildcard not bare domain", []Spec{{Hosts: []string{"*.example.com"}}}, req{host: "example.com", path: "/"}, -1, nil, nil},
		{"wildcard not other domain", []Spec{{Hosts: []string{"*.example.com"}}}, req{host: "badexample.com", path: "/"}, -1, nil, nil},
		{"any host", []Spec{{}}, req{host: "whatever.test", path: "/x"}, 0, nil, nil},
		{"empty host only any", []Spec{{Hosts: []string{"a.test"}}, {}}, req{host: "", path: "/"}, 1, nil, nil},
		{"exact beats wildcard", []Spec{
			{Hosts: []string{"*.example.com"}},
			{Hosts: []string{"api.example.com"}},
		}, req{host: "api.example.com", path: "/"}, 1, nil, nil},
		{"exact host beats better path", []Spec{
			{Path: "/x"},
			{Hosts: []string{"api.example.com"}},
		}, req{host: "api.example.com", path: "/x"}, 1, nil, nil},
		{"longer wildcard beats shorter", []Spec{
			{Hosts: []string{"*.example.com"}},
			{Hosts: []string{"*.b.example.com"}},
		}, req{host: "a.b.example.com", path: "/"}, 1, nil, nil},
		{"wildcard beats any", []Spec{
			{},
			{Hosts: []string{"*.example.com"}},
		}, req{host: "a.example.com", path: "/"}, 1, nil, nil},
		{"fall through exact host to wildcard", []Spec{
			{Hosts: []string{"api.example.com"}, PathPrefix: "/v1"},
			{Hosts: []string{"*.example.com"}, PathPrefix: "/v2"},
		}, req{host: "api.example.com", path: "/v2/x"}, 1, nil, nil},
		{"fall through to any host", []Spec{
			{Hosts: []string{"api.example.com"}, PathPrefix: "/v1"},
			{Hosts: []string{"*.example.com"}, PathPrefix: "/v2"},
			{PathPrefix: "/v3"},
		}, req{host: "api.example.com", path: "/v3"}, 2, nil, nil},
		{"host with port", []Spec{{Hosts: []string{"api.example.com"}}}, req{host: "api.example.com:8443", path: "/"}, 0, nil, nil},
		{"host case-insensitive", []Spec{{Hosts: []string{"API.Example.com"}}}, req{host: "api.EXAMPLE.com", path: "/"}, 0, nil, nil},
		{"host trailing dot", []Spec{{Hosts: []string{"api.example.com"}}}, req{host: "api.example.com.", path: "/"}, 0, nil, nil},
		{"wildcard case-insensitive", []Spec{{Hosts: []string{"*.Example.COM"}}}, req{host: "A.EXAMPLE.com:80", path: "/"}, 0, nil, nil},
		{"ipv6 with port", []Spec{{Hosts: []string{"[::1]"}}}, req{host: "[::1]:8080", path: "/"}, 0, nil, nil},
		{"ipv6 without port", []Spec{{Hosts: []string{"::1"}}}, req{host: "[::1]", path: "/"}, 0, nil, nil},
		{"ipv6 bare", []Spec{{Hosts: []string{"::1"}}}, req{host: "::1", path: "/"}, 0, nil, nil},
		{"ipv4 with port", []Spec{{Hosts: []string{"127.0.0.1"}}}, req{host: "127.0.0.1:80", path: "/"}, 0, nil, nil},
		{"several hosts", []Spec{{Hosts: []string{"a.test", "*.b.test"}}}, req{host: "x.b.test", path: "/"}, 0, nil, nil},

		// Path kinds and priority.
		{"exact beats regex and prefix", []Spec{
			{PathPrefix: "/users"},
			{PathRegex: "/users"},
			{Path: "/users"},
		}, req{path: "/users"}, 2, nil, nil},
		{"regex beats prefix", []Spec{
			{PathPrefix: "/users"},
			{PathRegex: "/users/[0-9]+"},
		}, req{path: "/users/42"}, 1, nil, nil},
		{"regex config order", []Spec{
			{PathRegex: "/users/.*"},
			{PathRegex: "/users/[0-9]+"},
		}, req{path: "/users/42"}, 0, nil, nil},
		{"regex anchored start", []Spec{{PathRegex: "/b"}}, req{path: "/a/b"}, -1, nil, nil},
		{"regex anchored end", []Spec{{PathRegex: "/a"}}, req{path: "/a/b"}, -1, nil, nil},
		{"regex alternation stays anchored", []Spec{{PathRegex: "/a|/b"}}, req{path: "/b/c"}, -1, nil, nil},
		{"regex falls to prefix", []Spec{
			{PathRegex: "/users/[0-9]+"},
			{PathPrefix: "/users"},
		}, req{path: "/users/bob"}, 1, nil, nil},
		{"exact no prefix semantics", []Spec{{Path: "/users"}}, req{path: "/users/1"}, -1, nil, nil},
		{"exact trailing slash differs", []Spec{{Path: "/users"}}, req{path: "/users/"}, -1, nil, nil},
		{"prefix itself", []Spec{{PathPrefix: "/api"}}, req{path: "/api"}, 0, nil, nil},
		{"prefix with slash", []Spec{{PathPrefix: "/api"}}, req{path: "/api/"}, 0, nil, nil},
		{"prefix below", []Spec{{PathPrefix: "/api"}}, req{path: "/api/x/y"}, 0, nil, nil},
		{"prefix segment boundary", []Spec{{PathPrefix: "/api"}}, req{path: "/apix"}, -1, nil, nil},
		{"prefix trailing slash ignored", []Spec{{PathPrefix: "/api/"}}, req{path: "/api"}, 0, nil, nil},
		{"prefix trailing slash boundary", []Spec{{PathPrefix: "/api/"}}, req{path: "/apix"}, -1, nil, nil},
		{"root prefix", []Spec{{PathPrefix: "/"}}, req{path: "/anything/at/all"}, 0, nil, nil},
		{"no path is root prefix", []Spec{{}}, req{path: "/"}, 0, nil, nil},
		{"longest prefix", []Spec{
			{PathPrefix: "/"},
			{PathPrefix: "/api"},
			{PathPrefix: "/api/v1"},
			{PathPrefix: "/api/v1/users/x"},
		}, req{path: "/api/v1/users"}, 2, nil, nil},
		{"longest prefix falls back", []Spec{
			{PathPrefix: "/api"},
			{PathPrefix: "/api/v1", Methods: []string{"POST"}},
		}, req{path: "/api/v1/x"}, 0, nil, nil},

		// Tie-breaks.
		{"config order", []Spec{{PathPrefix: "/a"}, {PathPrefix: "/a/"}}, req{path: "/a/b"}, 0, nil, nil},
		{"more conditions win", []Spec{
			{PathPrefix: "/a"},
			{PathPrefix: "/a", Methods: []string{"GET"}},
			{PathPrefix: "/a", Methods: []string{"GET"}, Headers: []HeaderMatch{{Name: "X-A", Value: "1"}}},
		}, req{path: "/a", header: http.Header{"X-A": {"1"}}}, 2, nil, nil},
		{"more conditions tried first then fall back", []Spec{
			{Path: "/a"},
			{Path: "/a", Query: []QueryMatch{{Name: "v", Value: "2"}}},
		}, req{path: "/a", query: "v=1"}, 0, nil, nil},
		{"equal conditions config order", []Spec{
			{Path: "/a", Headers: []HeaderMatch{{Name: "X-A", Present: yes()}}},
			{Path: "/a", Methods: []string{"GET"}},
		}, req{path: "/a", header: http.Header{"X-A": {"1"}}}, 0, nil, nil},

		// Methods and 405.
		{"method match", []Spec{{Path: "/a", Methods: []string{"GET", "HEAD"}}}, req{path: "/a"}, 0, nil, nil},
		{"method lower in config", []Spec{{Path: "/a", Methods: []string{"post"}}}, req{method: "POST", path: "/a"}, 0, nil, nil},
		{"405 allow union", []Spec{
			{Path: "/a", Methods: []string{"PUT", "POST"}},
			{PathPrefix: "/a", Methods: []string{"DELETE", "POST"}},
			{PathRegex: "/a", Methods: []string{"PATCH"}},
			{Hosts: []string{"example.com"}, PathPrefix: "/", Methods: []string{"OPTIONS"}},
			{PathPrefix: "/b", Methods: []string{"TRACE"}},
		}, req{path: "/a"}, -1, []string{"DELETE", "OPTIONS", "PATCH", "POST", "PUT"}, nil},
		{"405 ignores routes failing on headers", []Spec{
			{Path: "/a", Methods: []string{"POST"}},
			{Path: "/a", Methods: []string{"PUT"}, Headers: []HeaderMatch{{Name: "X-A", Present: yes()}}},
		}, req{path: "/a"}, -1, []string{"POST"}, nil},
		{"method miss then later match", []Spec{
			{Path: "/a", Methods: []string{"POST"}},
			{PathPrefix: "/"},
		}, req{path: "/a"}, 1, nil, nil},
		{"404 has no allow", []Spec{{Path: "/a", Methods: []string{"POST"}}}, req{path: "/b"}, -1, nil, nil},
		{"405 across host tiers", []Spec{
			{Hosts: []string{"example.com"}, Path: "/a", Methods: []string{"POST"}},
			{Path: "/a", Methods: []string{"PUT"}},
		}, req{path: "/a"}, -1, []string{"POST", "PUT"}, nil},

		// Headers.
		{"header exact", []Spec{{Headers: []HeaderMatch{{Name: "x-env", Value: "canary"}}}}, req{path: "/", header: http.Header{"X-Env": {"canary"}}}, 0, nil, nil},
		{"header exact mismatch", []Spec{{Headers: []HeaderMatch{{Name: "X-Env", Value: "canary"}}}}, req{path: "/", header: http.Header{"X-Env": {"Canary"}}}, -1, nil, nil},
		{"header any value", []Spec{{Headers: []HeaderMatch{{Name: "X-Env", Value: "canary"}}}}, req{path: "/", header: http.Header{"X-Env": {"prod", "canary"}}}, 0, nil, nil},
		{"header regex", []Spec{{Headers: []HeaderMatch{{Name: "User-Agent", Regex: "(?i)curl"}}}}, req{path: "/", header: http.Header{"User-Agent": {"Curl/8.0"}}}, 0, nil, nil},
		{"header regex mismatch", []Spec{{Headers: []HeaderMatch{{Name: "User-Agent", Regex: "^curl"}}}}, req{path: "/", header: http.Header{"User-Agent": {"x curl"}}}, -1, nil, nil},
		{"header present", []Spec{{Headers: []HeaderMatch{{Name: "Authorization", Present: yes()}}}}, req{path: "/", header: http.Header{"Authorization": {""}}}, 0, nil, nil},
		{"header present missing", []Spec{{Headers: []HeaderMatch{{Name: "Authorization", Present: yes()}}}}, req{path: "/"}, -1, nil, nil},
		{"header absent", []Spec{{Headers: []HeaderMatch{{Name: "Authorization", Present: no()}}}}, req{path: "/"}, 0, nil, nil},
		{"header absent but sent", []Spec{{Headers: []HeaderMatch{{Name: "Authorization", Present: no()}}}}, req{path: "/", header: http.Header{"Authorization": {"x"}}}, -1, nil, nil},
		{"headers all must hold", []Spec{{Headers: []HeaderMatch{{Name: "A", Value: "1"}, {Name: "B", Value: "2"}}}}, req{path: "/", header: http.Header{"A": {"1"}}}, -1, nil, nil},

		// Query.
		{"query value", []Spec{{Query: []QueryMatch{{Name: "v", Value: "2"}}}}, req{path: "/", query: "a=1&v=2"}, 0, nil, nil},
		{"query value mismatch", []Spec{{Query: []QueryMatch{{Name: "v", Value: "2"}}}}, req{path: "/", query: "v=3"}, -1, nil, nil},
		{"query name case-sensitive", []Spec{{Query: []QueryMatch{{Name: "v", Value: "2"}}}}, req{path: "/", query: "V=2"}, -1, nil, nil},
		{"query decoded", []Spec{{Query: []QueryMatch{{Name: "q", Value: "a b"}}}}, req{path: "/", query: "q=a+b"}, 0, nil, nil},
		{"query regex", []Spec{{Query: []QueryMatch{{Name: "id", Regex: "^[0-9]+$"}}}}, req{path: "/", query: "id=42"}, 0, nil, nil},
		{"query regex mismatch", []Spec{{Query: []QueryMatch{{Name: "id", Regex: "^[0-9]+$"}}}}, req{path: "/", query: "id=4x"}, -1, nil, nil},
		{"query present", []Spec{{Query: []QueryMatch{{Name: "debug", Present: yes()}}}}, req{path: "/", query: "debug"}, 0, nil, nil},
		{"query present missing", []Spec{{Query: []QueryMatch{{Name: "debug", Present: yes()}}}}, req{path: "/", query: "x=1"}, -1, nil, nil},
		{"query absent", []Spec{{Query: []QueryMatch{{Name: "debug", Present: no()}}}}, req{path: "/", query: "x=1"}, 0, nil, nil},
		{"query malformed pair dropped", []Spec{{Query: []QueryMatch{{Name: "v", Value: "2"}}}}, req{path: "/", query: "a=%zz&v=2"}, 0, nil, nil},

		// Captures.
		{"captures", []Spec{{PathRegex: `/users/(?P<id>[0-9]+)/(?P<rest>.*)`}}, req{path: "/users/42/posts/7"}, 0, nil,
			[]Capture{{"id", "42"}, {"rest", "posts/7"}}},
		{"unnamed groups not captured", []Spec{{PathRegex: `/(a|b)/(?P<x>c)`}}, req{path: "/a/c"}, 0, nil, []Capture{{"x", "c"}}},
		{"group that took no part", []Spec{{PathRegex: `/(?P<a>x)?y`}}, req{path: "/y"}, 0, nil, []Capture{{"a", ""}}},
		{"no named groups", []Spec{{PathRegex: `/users/[0-9]+`}}, req{path: "/users/1"}, 0, nil, nil},
		{"regex case-insensitive flag", []Spec{{PathRegex: `(?i)/USERS`}}, req{path: "/users"}, 0, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := range tt.specs {
				tt.specs[i].Value = i
			}
			tb, err := Compile(tt.specs)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			got := tt.req.do(t, tb)
			if got.Index != tt.want {
				t.Fatalf("got index %d; want %d", got.Index, tt.want)
			}
			if tt.want >= 0 && got.Value != tt.want {
				t.Errorf("got value %v; want %d", got.Value, tt.want)
			}
			if tt.want < 0 && got.Value != nil {
				t.Errorf("got value %v; want nil", got.Value)
			}
			if !reflect.DeepEqual(got.Allow, tt.allow) {
				t.Errorf("got allow %q; want %q", got.Allow, tt.allow)
			}
			if !reflect.DeepEqual(got.Captures, tt.caps) {
				t.Errorf("got captures %q; want %q", got.Captures, tt.caps)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
	}{
		{"bad path regex", Spec{PathRegex: "(unclosed"}},
		{"regex escaping anchors", Spec{PathRegex: "/a)|(/b"}},
		{"bad header regex", Spec{Headers: []HeaderMatch{{Name: "X", Regex: "["}}}},
		{"bad query regex", Spec{Query: []QueryMatch{{Name: "x", Regex: "["}}}},
		{"header without name", Spec{Headers: []HeaderMatch{{Value: "x"}}}},
		{"two path kinds", Spec{Path: "/a", PathPrefix: "/a"}},
		{"relative path", Spec{Path: "a"}},
		{"relative prefix", Spec{PathPrefix: "a"}},
		{"dot segment", Spec{PathPrefix: "/a/../b"}},
		{"double slash", Spec{Path: "/a//b"}},
		{"empty method", Spec{Methods: []string{""}}},
		{"empty host", Spec{Hosts: []string{""}}},
		{"host with port", Spec{Hosts: []string{"a.test:80"}}},
		{"ipv6 with port", Spec{Hosts: []string{"[::1]:80"}}},
		{"bare wildcard", Spec{Hosts: []string{"*"}}},
		{"inner wildcard", Spec{Hosts: []string{"a.*.test"}}},
		{"partial wildcard", Spec{Hosts: []string{"*a.test"}}},
		{"double wildcard", Spec{Hosts: []string{"*.*.test"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile([]Spec{{Path: "/ok"}, tt.spec})
			var ce *CompileError
			if !errors.As(err, &ce) || ce.Index != 1 || ce.Reason == "" {
				t.Fatalf("got %v; want a *CompileError for index 1", err)
			}
		})
	}
}

func TestMatchNilRequest(t *testing.T) {
	tb, err := Compile([]Spec{{Path: "/a", Value: "v"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := tb.Match(nil, "x", "/a"); got.Value != "v" {
		t.Fatalf("got %v; want v", got.Value)
	}
}

func TestMatchDoesNotAllocate(t *testing.T) {
	specs := []Spec{
		{Hosts: []string{"api.example.com"}, PathPrefix: "/api", Methods: []string{"GET"}, Headers: []HeaderMatch{{Name: "X-Env", Value: "prod"}}},
		{Hosts: []string{"*.example.com"}, Path: "/users", Methods: []string{"GET"}},
		{PathPrefix: "/"},
	}
	tb, err := Compile(specs)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "http://x/?a=1", nil)
	r.Header.Set("X-Env", "prod")
	for _, c := range []struct{ host, path string }{
		{"api.example.com:443", "/api/v1/x"},
		{"www.example.com", "/users"},
		{"other.test", "/z"},
	} {
		allocs := testing.AllocsPerRun(100, func() { tb.Match(r, c.host, c.path) })
		if allocs != 0 {
			t.Errorf("Match(%q, %q): got %v allocs; want 0", c.host, c.path, allocs)
		}
	}
}

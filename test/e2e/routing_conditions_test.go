package e2e

import (
	"net/http"
	"testing"
)

// conditionsConfig exercises the match conditions of docs/routing.md that
// the priority table does not: header regex/present/absent, query regex
// and presence, multi-level wildcards and the bare domain, several
// values of one header, and a trailing-slash prefix.
const conditionsConfig = `
services:
  - name: mobile
    targets: [{url: "${MOBILE}"}]
  - name: canary
    targets: [{url: "${CANARY}"}]
  - name: stable
    targets: [{url: "${STABLE}"}]
  - name: tenants
    targets: [{url: "${TENANTS}"}]
routes:
  - name: mobile
    match: {path_prefix: /app, headers: [{name: X-Device, regex: "^mobile/"}]}
    service: mobile
  - name: canary
    match: {path_prefix: /app, headers: [{name: X-Canary, present: true}]}
    service: canary
  - name: stable
    match: {path_prefix: /app/, headers: [{name: X-Canary, present: false}]}
    service: stable
  - name: search-debug
    match: {path: /search, query: [{name: debug, present: true}, {name: q, regex: "^[a-z]+$"}]}
    service: canary
  - name: search
    match: {path: /search, query: [{name: debug, present: false}]}
    service: stable
  - name: deep-tenant
    match: {hosts: ["*.eu.tenants.test"], path_prefix: /}
    service: canary
  - name: tenant
    match: {hosts: ["*.tenants.test"], path_prefix: /}
    service: tenants
  - name: regex-get
    match: {path_regex: "/files/(?P<name>[^/]+)\\.txt", methods: [GET, HEAD]}
    rewrite: /store/{name}
    service: stable
`

func TestRoutingConditions(t *testing.T) {
	mobile, canary, stable, tenants := echoServer(t, "mobile"), echoServer(t, "canary"), echoServer(t, "stable"), echoServer(t, "tenants")
	g := startGateway(t, conditionsConfig, map[string]string{
		"MOBILE": mobile.URL, "CANARY": canary.URL, "STABLE": stable.URL, "TENANTS": tenants.URL})

	cases := []struct {
		name     string
		method   string
		path     string
		hdr      []string
		status   int
		wantSvc  string
		wantPath string
	}{
		{"header regex", "GET", "/app/x", []string{"X-Device", "mobile/2.1"}, 200, "mobile", "/app/x"},
		{"header regex keeps its own anchor", "GET", "/app/x", []string{"X-Device", "desktop mobile/2.1"}, 200, "stable", "/app/x"},
		{"header present", "GET", "/app/x", []string{"X-Canary", ""}, 200, "canary", "/app/x"},
		{"header absent", "GET", "/app/x", nil, 200, "stable", "/app/x"},
		{"one of several values matches", "GET", "/app/x", []string{"X-Device", "bot/1", "X-Device", "mobile/3"}, 200, "mobile", "/app/x"},
		{"trailing slash on a prefix is ignored", "GET", "/app", nil, 200, "stable", "/app"},
		{"prefix stops at a segment boundary", "GET", "/apps", []string{"X-Canary", "1"}, 404, "", ""},
		{"query present and regex", "GET", "/search?debug&q=shoes", nil, 200, "canary", "/search"},
		{"query regex fails", "GET", "/search?debug&q=Shoes1", nil, 404, "", ""},
		{"query absent", "GET", "/search?q=shoes", nil, 200, "stable", "/search"},
		{"longest wildcard first", "GET", "/t", []string{"Host", "acme.eu.tenants.test"}, 200, "canary", "/t"},
		{"wildcard at any depth", "GET", "/t", []string{"Host", "a.b.us.tenants.test"}, 200, "tenants", "/t"},
		{"wildcard never matches the bare domain", "GET", "/t", []string{"Host", "tenants.test"}, 404, "", ""},
		{"regex rewrite with a capture", "GET", "/files/report.txt", nil, 200, "stable", "/store/report"},
		{"regex is anchored", "GET", "/files/report.txt.bak", nil, 404, "", ""},
		{"regex route, wrong method", "DELETE", "/files/report.txt", nil, 405, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := g.do(c.method, c.path, nil, c.hdr...)
			if resp.StatusCode != c.status {
				t.Fatalf("%s %s: status %d; want %d (body %s)", c.method, c.path, resp.StatusCode, c.status, body)
			}
			if c.status != http.StatusOK {
				if e := parseError(t, body); e.Status != c.status {
					t.Fatalf("error body status %d; want %d", e.Status, c.status)
				}
				if c.status == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != "GET, HEAD" {
					t.Fatalf("Allow %q; want %q", resp.Header.Get("Allow"), "GET, HEAD")
				}
				return
			}
			s := parseSeen(t, body)
			if s.Name != c.wantSvc || s.Path != c.wantPath {
				t.Fatalf("reached %q with path %q; want %q with %q", s.Name, s.Path, c.wantSvc, c.wantPath)
			}
		})
	}
}

package e2e

import (
	"net/http"
	"testing"
)

const routingConfig = `
services:
  - name: a
    targets: [{url: "${A}"}]
  - name: b
    targets: [{url: "${B}"}]
  - name: c
    targets: [{url: "${C}"}]
routes:
  - name: orders-prefix
    match: {path_prefix: /api/orders}
    strip_prefix: /api
    service: a
  - name: orders-by-id
    match: {path_regex: "/api/orders/(?P<id>[0-9]+)"}
    rewrite: /v2/orders/{id}
    service: b
  - name: orders-special
    match: {path: /api/orders/special}
    service: c
  - name: beta-header
    match: {path_prefix: /api/orders, headers: [{name: X-Beta, value: "1"}]}
    service: c
  - name: host-exact
    match: {hosts: [shop.example.com], path_prefix: /}
    service: b
  - name: host-wild
    match: {hosts: ["*.example.com"], path_prefix: /}
    service: c
  - name: debug-query
    match: {path: /api/debug, query: [{name: verbose, value: "1"}]}
    service: c
  - name: write-only
    match: {path: /api/charge, methods: [POST, PUT]}
    service: a
`

func TestRoutingPriority(t *testing.T) {
	a, b, c := echoServer(t, "a"), echoServer(t, "b"), echoServer(t, "c")
	g := startGateway(t, routingConfig, map[string]string{"A": a.URL, "B": b.URL, "C": c.URL})

	tests := []struct {
		name     string
		method   string
		path     string
		hdr      []string
		wantSvc  string
		wantPath string
	}{
		{"prefix strips /api", "GET", "/api/orders", nil, "a", "/orders"},
		{"prefix covers subpaths", "GET", "/api/orders/x/y", nil, "a", "/orders/x/y"},
		{"regex beats prefix, rewrite with capture", "GET", "/api/orders/42", nil, "b", "/v2/orders/42"},
		{"exact beats regex and prefix", "GET", "/api/orders/special", nil, "c", "/api/orders/special"},
		{"more conditions win on same prefix", "GET", "/api/orders/x", []string{"X-Beta", "1"}, "c", "/api/orders/x"},
		{"header value must match", "GET", "/api/orders/x", []string{"X-Beta", "2"}, "a", "/orders/x"},
		{"exact host beats wildcard", "GET", "/anything", []string{"Host", "shop.example.com"}, "b", "/anything"},
		{"wildcard host", "GET", "/anything", []string{"Host", "eu.shop2.example.com"}, "c", "/anything"},
		{"host with port, any case", "GET", "/x", []string{"Host", "SHOP.Example.com:8080"}, "b", "/x"},
		{"query condition", "GET", "/api/debug?verbose=1", nil, "c", "/api/debug"},
		{"method allowed", "PUT", "/api/charge", nil, "a", "/api/charge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := g.do(tt.method, tt.path, nil, tt.hdr...)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d; want 200 (body %s)", resp.StatusCode, body)
			}
			s := parseSeen(t, body)
			if s.Name != tt.wantSvc || s.Path != tt.wantPath {
				t.Errorf("got service %q path %q; want %q %q", s.Name, s.Path, tt.wantSvc, tt.wantPath)
			}
		})
	}
}

func TestNoRouteAndMethodNotAllowed(t *testing.T) {
	a, b, c := echoServer(t, "a"), echoServer(t, "b"), echoServer(t, "c")
	g := startGateway(t, routingConfig, map[string]string{"A": a.URL, "B": b.URL, "C": c.URL})

	resp, body := g.do("GET", "/nothing/here", nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d; want 404", resp.StatusCode)
	}
	e := parseError(t, body)
	if e.Status != 404 || e.RequestID != resp.Header.Get("X-Request-Id") {
		t.Errorf("body %+v; want status 404 and request_id %q", e, resp.Header.Get("X-Request-Id"))
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q; want application/json", ct)
	}

	resp, body = g.do("DELETE", "/api/charge", nil)
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("status %d; want 405 (body %s)", resp.StatusCode, body)
	}
	if got := resp.Header.Get("Allow"); got != "POST, PUT" {
		t.Errorf("Allow %q; want %q", got, "POST, PUT")
	}
	parseError(t, body)

	resp, _ = g.do("GET", "/api/debug?verbose=0", nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("query mismatch: status %d; want 404", resp.StatusCode)
	}
}

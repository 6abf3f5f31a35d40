package e2e

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestExtAuthz: the authorizer's allow adds its headers upstream (a
// client cannot forge them), its denial reaches the client as it was
// sent, decisions are cached, a dead authorizer is 503 or, when
// configured, lets requests through; and it composes with acl through the
// consumer it names.
func TestExtAuthz(t *testing.T) {
	var calls atomic.Int32
	authz := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		switch {
		case r.Header.Get("Authorization") == "Bearer ops" && r.Header.Get("X-Forwarded-Uri") != "":
			w.Header().Set("X-Auth-User", "ops-user")
			w.Header().Set("X-Consumer", "edge-authz-ops")
		case r.Header.Get("Authorization") == "Bearer guest":
			w.Header().Set("X-Auth-User", "guest")
			w.Header().Set("X-Consumer", "edge-authz-guest")
		case strings.Contains(string(body), "open sesame"):
			w.Header().Set("X-Auth-User", "body")
		default:
			w.Header().Set("Location", "https://login.example.com/")
			w.Header().Set("X-Internal", "not relayed")
			w.WriteHeader(http.StatusFound)
			io.WriteString(w, "log in first")
		}
	}))
	t.Cleanup(authz.Close)
	up := echoServer(t, "echo")
	g := startGateway(t, `
services:
  - name: s
    targets: [{url: "${UP}"}]
consumers:
  - name: edge-authz-ops
    groups: [ops]
  - name: edge-authz-guest
routes:
  - name: admin
    match: {path_prefix: /admin}
    service: s
    policies:
      ext_authz:
        url: "${AUTHZ}/check"
        upstream_headers: [X-Auth-User]
        consumer_header: X-Consumer
        cache_ttl: 1m
      acl: {allow_groups: [ops]}
  - name: body
    match: {path_prefix: /body}
    service: s
    policies:
      ext_authz: {url: "${AUTHZ}", include_body: true, max_body_bytes: 64, upstream_headers: [X-Auth-User]}
  - name: down
    match: {path_prefix: /down}
    service: s
    policies:
      ext_authz: {url: "http://127.0.0.1:1", timeout: 2s}
  - name: open
    match: {path_prefix: /open}
    service: s
    policies:
      ext_authz: {url: "http://127.0.0.1:1", failure_mode_allow: true}
`, map[string]string{"UP": up.URL, "AUTHZ": authz.URL})

	resp, body := g.do("GET", "/admin/x", nil, "Authorization", "Bearer ops", "X-Auth-User", "forged")
	if resp.StatusCode != 200 {
		t.Fatalf("allowed: %d %s", resp.StatusCode, body)
	}
	h := http.Header(parseSeen(t, body).Header)
	if v := h.Values("X-Auth-User"); len(v) != 1 || v[0] != "ops-user" {
		t.Errorf("service got X-Auth-User %q; want only the authorizer's", v)
	}
	if h.Get("X-Consumer-Name") != "edge-authz-ops" {
		t.Errorf("service got X-Consumer-Name %q", h.Get("X-Consumer-Name"))
	}

	// Allowed by the authorizer, refused by acl: the two compose.
	if resp, _ := g.do("GET", "/admin/x", nil, "Authorization", "Bearer guest"); resp.StatusCode != 403 {
		t.Errorf("guest: %d; want acl's 403", resp.StatusCode)
	}

	resp, body = g.do("GET", "/admin/x", nil)
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "https://login.example.com/" || body != "log in first" || resp.Header.Get("X-Internal") != "" {
		t.Errorf("denial: %d %v %q; want the authorizer's 302 relayed", resp.StatusCode, resp.Header, body)
	}

	before := calls.Load()
	for range 3 {
		g.do("GET", "/admin/x", nil, "Authorization", "Bearer ops")
	}
	if n := calls.Load() - before; n != 0 {
		t.Errorf("authorizer called %d more times for a cached decision", n)
	}

	resp, body = g.do("POST", "/body", strings.NewReader(`{"say":"open sesame"}`), "Content-Type", "application/json")
	if resp.StatusCode != 200 || parseSeen(t, body).Body != `{"say":"open sesame"}` {
		t.Errorf("body-authorized: %d %s", resp.StatusCode, body)
	}
	if resp, _ := g.do("POST", "/body", strings.NewReader(strings.Repeat("x", 100)), "Content-Type", "text/plain"); resp.StatusCode != 413 {
		t.Errorf("over-long body: %d; want 413", resp.StatusCode)
	}

	resp, body = g.do("GET", "/down", nil)
	if resp.StatusCode != 503 || parseError(t, body).Status != 503 {
		t.Errorf("authorizer down: %d %s; want 503", resp.StatusCode, body)
	}
	if resp, _ := g.do("GET", "/open", nil); resp.StatusCode != 200 {
		t.Errorf("authorizer down with failure_mode_allow: %d; want 200", resp.StatusCode)
	}
}

package e2e

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// corsConfig: a route that lists only GET and needs an API key, a
// service that sets its own CORS headers, and a global cors policy that
// the route's own overrides.
const corsConfig = `
services:
  - name: s
    targets: [{url: "${UP}"}]
routes:
  - name: orders
    match: {path_prefix: /api/orders, methods: [GET]}
    service: s
    policies:
      key_auth: {}
      cors:
        origins: ["https://app.example.com", "https://*.example.org"]
        credentials: true
        max_age: 10m
        exposed_headers: [X-Total]
        private_network: true
  - name: open
    match: {path_prefix: /open}
    service: s
  - name: locked
    match: {path_prefix: /locked}
    service: s
    policies:
      key_auth: {}
consumers:
  - name: c
    api_keys: [{key: "k-123456789012345678901234567890"}]
policies:
  cors: {origins: ["*"]}
`

func corsUpstream(t *testing.T) (string, *atomic.Int64) {
	calls := new(atomic.Int64)
	up := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Access-Control-Allow-Origin", "https://evil.example")
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		w.Write([]byte("ok"))
	}))
	return up, calls
}

func TestCORSPreflightBeforeRoutingAndAuth(t *testing.T) {
	up, calls := corsUpstream(t)
	g := startGateway(t, corsConfig, map[string]string{"UP": up})

	// DELETE is not a method of the route (405) and no key is sent (401):
	// the preflight is answered all the same, and never forwarded.
	resp, body := g.do("OPTIONS", "/api/orders/7", nil,
		"Origin", "https://shop.example.org",
		"Access-Control-Request-Method", "DELETE",
		"Access-Control-Request-Headers", "X-Api-Key, Content-Type",
		"Access-Control-Request-Private-Network", "true")
	if resp.StatusCode != 204 || body != "" {
		t.Fatalf("preflight: %d %q; want 204 and no body", resp.StatusCode, body)
	}
	for k, want := range map[string]string{
		"Access-Control-Allow-Origin":          "https://shop.example.org",
		"Access-Control-Allow-Credentials":     "true",
		"Access-Control-Allow-Headers":         "X-Api-Key, Content-Type",
		"Access-Control-Max-Age":               "600",
		"Access-Control-Allow-Private-Network": "true",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("preflight %s = %q; want %q", k, got, want)
		}
	}
	if resp.Header.Get("Access-Control-Allow-Methods") == "" {
		t.Error("preflight lacks Access-Control-Allow-Methods")
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("the service got %d calls; want preflights never forwarded", n)
	}

	// A route that takes OPTIONS but needs a key: the global policy
	// answers before authentication.
	resp, _ = g.do("OPTIONS", "/locked", nil, "Origin", "https://any.test", "Access-Control-Request-Method", "POST")
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("preflight to an authenticated route: %d, Allow-Origin %q; want 204 and *", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("the service got %d calls; want preflights never forwarded", n)
	}

	// An origin the route does not allow gets no allow headers.
	resp, _ = g.do("OPTIONS", "/api/orders/7", nil, "Origin", "https://evil.example", "Access-Control-Request-Method", "GET")
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("disallowed preflight: %d, Allow-Origin %q; want 204 without it", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}

	// A path no route takes: the global policy answers the preflight.
	resp, _ = g.do("OPTIONS", "/nowhere", nil, "Origin", "https://any.test", "Access-Control-Request-Method", "PUT")
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("unrouted preflight: %d, Allow-Origin %q; want 204 and *", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	// ...and a plain request there still gets its 404, readable by scripts.
	resp, body = g.do("GET", "/nowhere", nil, "Origin", "https://any.test")
	if resp.StatusCode != 404 || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("unrouted GET: %d, Allow-Origin %q; want 404 and *", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	parseError(t, body)
	// An OPTIONS that is not a preflight is routed as usual: 405 here.
	resp, _ = g.do("OPTIONS", "/api/orders/7", nil, "Origin", "https://app.example.com")
	if resp.StatusCode != 405 {
		t.Errorf("OPTIONS without Access-Control-Request-Method: %d; want 405", resp.StatusCode)
	}
}

func TestCORSActualRequests(t *testing.T) {
	up, _ := corsUpstream(t)
	g := startGateway(t, corsConfig, map[string]string{"UP": up})

	// Exactly one Allow-Origin, the gateway's, though the service sets its own.
	resp, _ := g.do("GET", "/api/orders/7", nil, "Origin", "https://app.example.com", "X-Api-Key", "k-123456789012345678901234567890")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d; want 200", resp.StatusCode)
	}
	if got := resp.Header.Values("Access-Control-Allow-Origin"); len(got) != 1 || got[0] != "https://app.example.com" {
		t.Errorf("Allow-Origin %q; want exactly [https://app.example.com]", got)
	}
	if got := resp.Header.Get("Access-Control-Expose-Headers"); got != "X-Total" {
		t.Errorf("Expose-Headers %q; want X-Total", got)
	}
	if got := resp.Header.Values("Vary"); len(got) == 0 || got[0] != "Origin" {
		t.Errorf("Vary %q; want Origin", got)
	}

	// The 401 of authentication carries the CORS headers, so the script
	// can read why.
	resp, body := g.do("GET", "/api/orders/7", nil, "Origin", "https://app.example.com")
	if resp.StatusCode != 401 || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Errorf("401: %d, Allow-Origin %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	parseError(t, body)

	// A disallowed origin: the service's header is gone too.
	resp, _ = g.do("GET", "/api/orders/7", nil, "Origin", "https://evil.example", "X-Api-Key", "k-123456789012345678901234567890")
	if got := resp.Header.Values("Access-Control-Allow-Origin"); len(got) != 0 {
		t.Errorf("disallowed origin got Allow-Origin %q", got)
	}
	if got := resp.Header.Get("Access-Control-Allow-Credentials"); got != "" {
		t.Errorf("disallowed origin got Allow-Credentials %q", got)
	}

	// The global "*" on the open route: "*", never with credentials.
	resp, _ = g.do("GET", "/open", nil, "Origin", "https://x.test")
	if got := resp.Header.Values("Access-Control-Allow-Origin"); len(got) != 1 || got[0] != "*" {
		t.Errorf("open route Allow-Origin %q; want [*]", got)
	}
	if resp.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Error("any origin with credentials")
	}
}

// newServer is an httptest upstream closed with the test; its URL.
func newServer(t *testing.T, h http.Handler) string {
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s.URL
}

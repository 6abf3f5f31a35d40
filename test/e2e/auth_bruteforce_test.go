package e2e

import (
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/gatehouse/gatehouse/internal/runtime"
)

const bruteForceRoutes = `
listeners:
  - name: public
    addr: "127.0.0.1:0"
    trusted_proxies: ["127.0.0.0/8"]
services:
  - name: echo
    targets: [{ url: "${ECHO}" }]
routes:
  - name: login
    match: { path_prefix: /login }
    service: echo
    policies:
      basic_auth: {}
      rate_limit: { key: [ip], limits: [{ requests: 5, per: 1m }] }
  - name: quota
    match: { path_prefix: /quota }
    service: echo
    policies:
      basic_auth: {}
      rate_limit: { key: [consumer], limits: [{ requests: 2, per: 1m }] }
  - name: guarded
    match: { path_prefix: /guarded }
    service: echo
    policies:
      basic_auth: {}
      failed_auth_limit: { limits: [{ requests: 3, per: 1m }] }
      rate_limit: { key: [consumer], limits: [{ requests: 100, per: 1m }] }
consumers:
  - name: bob
    basic_auth: [{ username: bob, password_bcrypt: "${HASH}" }]
`

func startBruteForce(t *testing.T) *gw {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte("bob-pass"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	echo := echoServer(t, "echo")
	return startGateway(t, bruteForceRoutes, map[string]string{"ECHO": echo.URL, "HASH": string(hash)})
}

// from makes a request come from ip, through the trusted loopback proxy.
func from(ip string, hdr ...string) []string { return append([]string{"X-Forwarded-For", ip}, hdr...) }

// chainOrder is the chosen route's policy names in run order, as explain
// shows them.
func chainOrder(ex *runtime.Explanation) string {
	var names []string
	for _, p := range ex.Chosen.Policies {
		names = append(names, p.Phase+":"+p.Name)
	}
	return strings.Join(names, " ")
}

// TestBruteForceLimited: a rate limit whose key is known before
// authentication (here the client IP) runs before it, so wrong passwords
// past the limit are refused without reaching bcrypt; a limit keyed by
// consumer runs after authentication and never counts failures.
func TestBruteForceLimited(t *testing.T) {
	g := startBruteForce(t)
	for i := range 10 {
		resp, body := g.do("GET", "/login", nil, from("203.0.113.1", basic("bob", "guess")...)...)
		want := 401
		if i >= 5 {
			want = 429
		}
		wantStatus(t, resp, body, want)
	}
	resp, body := g.do("GET", "/login", nil, from("203.0.113.1", basic("bob", "bob-pass")...)...)
	wantStatus(t, resp, body, 429)

	for range 10 {
		resp, body := g.do("GET", "/quota", nil, from("203.0.113.2", basic("bob", "guess")...)...)
		wantStatus(t, resp, body, 401)
	}
	for i := range 3 {
		resp, body := g.do("GET", "/quota", nil, from("203.0.113.2", basic("bob", "bob-pass")...)...)
		want := 200
		if i == 2 {
			want = 429
		}
		wantStatus(t, resp, body, want)
	}

	rt := g.g.Runtime()
	for path, want := range map[string]string{
		// request_size_limit is on every route by default.
		"/login":   "access:request_size_limit pre-auth-limit:rate_limit authenticate:basic_auth",
		"/quota":   "access:request_size_limit authenticate:basic_auth limit:rate_limit",
		"/guarded": "access:request_size_limit pre-auth-limit:failed_auth_limit authenticate:basic_auth limit:rate_limit",
	} {
		if got := chainOrder(rt.Explain("public", httptest.NewRequest("GET", path, nil))); got != want {
			t.Errorf("explain %s: chain %q; want %q", path, got, want)
		}
	}
}

// TestFailedAuthLimited: failed_auth_limit counts only refused credentials
// per client IP; past the limit that IP is refused before authentication,
// even with the right password, while other IPs and successful logins are
// unaffected.
func TestFailedAuthLimited(t *testing.T) {
	g := startBruteForce(t)
	attacker, other := "198.51.100.7", "198.51.100.8"
	for range 5 {
		resp, body := g.do("GET", "/guarded", nil, from(attacker, basic("bob", "bob-pass")...)...)
		wantStatus(t, resp, body, 200)
		resp, body = g.do("GET", "/guarded", nil, from(attacker)...)
		wantStatus(t, resp, body, 401) // no credential: not a failed one
	}
	for range 3 {
		resp, body := g.do("GET", "/guarded", nil, from(attacker, basic("bob", "guess")...)...)
		wantStatus(t, resp, body, 401)
	}
	for _, pass := range []string{"guess", "bob-pass"} {
		resp, body := g.do("GET", "/guarded", nil, from(attacker, basic("bob", pass)...)...)
		wantStatus(t, resp, body, 429)
		if resp.Header.Get("Retry-After") == "" {
			t.Errorf("429 without Retry-After")
		}
	}
	resp, body := g.do("GET", "/guarded", nil, from(other, basic("bob", "bob-pass")...)...)
	wantStatus(t, resp, body, 200)
}

package e2e

import (
	"net/http/httptest"
	"slices"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// identityRoutes put every authentication method on one route, each with
// identity headers of its own, plus an anonymous route.
const identityRoutes = `
services:
  - name: echo
    targets: [{ url: "${ECHO}" }]
routes:
  - name: mixed
    match: { path_prefix: /mixed }
    service: echo
    policies:
      basic_auth: {}
      introspect: { url: "${AS}/introspect", client_id: gateway, client_secret: client-secret, header: X-Opaque-Token, forward_claims: { scope: X-Token-Scope } }
      jwt: { secret: "${SECRET}", forward_claims: { sub: X-User-ID, roles: X-User-Roles } }
      key_auth: {}
  - name: anonymous
    match: { path_prefix: /anonymous }
    service: echo
    policies:
      jwt: { secret: "${SECRET}", anonymous: true, forward_claims: { sub: X-User-ID, roles: X-User-Roles } }
consumers:
  - name: bob
    groups: [staff]
    basic_auth: [{ username: bob, password_bcrypt: "${HASH}" }]
    api_keys: [{ key: "key-bob-123" }]
`

// TestIdentityHeadersStrippedWhateverAuthenticated: the identity headers of
// every authentication method on a route are removed from what the client
// sent before any method runs, so a method that authenticated the request
// cannot leave another method's forged headers in place.
func TestIdentityHeadersStrippedWhateverAuthenticated(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("bob-pass"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	as := newAuthServer(t)
	echo := echoServer(t, "echo")
	g := startGateway(t, identityRoutes, map[string]string{"ECHO": echo.URL, "AS": as.URL, "SECRET": testSecret, "HASH": string(hash)})
	forged := []string{
		"X-User-ID", "admin", "X-User-Roles", "admin,superuser", "X-Token-Scope", "admin:all",
		"X-Consumer-Name", "mallory", "X-Consumer-Groups", "admins",
	}
	cases := []struct {
		name, path string
		cred       []string
		want       map[string]string // what the upstream must get; any other identity header is absent
	}{
		{"basic", "/mixed", basic("bob", "bob-pass"), map[string]string{"X-Consumer-Name": "bob", "X-Consumer-Groups": "staff"}},
		{"api key", "/mixed", []string{"X-API-Key", "key-bob-123"}, map[string]string{"X-Consumer-Name": "bob", "X-Consumer-Groups": "staff"}},
		{"introspected token", "/mixed", []string{"X-Opaque-Token", "good-1"}, map[string]string{"X-Token-Scope": "orders:read"}},
		{"jwt without roles", "/mixed", bearer(sign(t, "HS256", []byte(testSecret), nil, claims("carol", nil))), map[string]string{"X-User-Id": "carol"}},
		{"anonymous", "/anonymous", nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := g.do("GET", c.path, nil, append(append([]string{}, forged...), c.cred...)...)
			wantStatus(t, resp, body, 200)
			s := parseSeen(t, body)
			owned := []string{"X-User-Id", "X-User-Roles", "X-Consumer-Name", "X-Consumer-Groups"}
			if c.path == "/mixed" {
				owned = append(owned, "X-Token-Scope")
			}
			for _, h := range owned {
				got, want := s.Header[h], c.want[h]
				switch {
				case want == "" && len(got) > 0:
					t.Errorf("upstream got %s: %v; want it absent", h, got)
				case want != "" && (len(got) != 1 || got[0] != want):
					t.Errorf("upstream got %s: %v; want [%s]", h, got, want)
				}
			}
		})
	}
	ex := g.g.Runtime().Explain("public", httptest.NewRequest("GET", "/mixed", nil))
	want := []string{"X-Consumer-Groups", "X-Consumer-Name", "X-Token-Scope", "X-User-Id", "X-User-Roles"}
	if ex.Chosen == nil || !slices.Equal(ex.Chosen.Removed, want) {
		t.Errorf("explain: removed headers = %v; want %v", ex.Chosen, want)
	}
}

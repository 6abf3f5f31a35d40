package e2e

import (
	"strings"
	"testing"

	gjwt "github.com/golang-jwt/jwt/v5"
)

// authRoutes exercises key_auth, any-of (jwt or key), anonymous and acl.
const authRoutes = `
services:
  - name: echo
    targets: [{ url: "${ECHO}" }]
routes:
  - name: keys
    match: { path_prefix: /keys }
    service: echo
    policies:
      key_auth: { query: apikey, hide_credentials: true }
  - name: keys-visible
    match: { path_prefix: /visible }
    service: echo
    policies:
      key_auth: {}
  - name: either
    match: { path_prefix: /either }
    service: echo
    policies:
      jwt: { secret: "${SECRET}", forward_claims: { sub: X-User-ID } }
      key_auth: {}
  - name: open
    match: { path_prefix: /open }
    service: echo
    policies:
      key_auth: { anonymous: true }
  - name: paid-only
    match: { path_prefix: /paid }
    service: echo
    policies:
      key_auth: {}
      acl: { allow_groups: [paid], deny_groups: [banned] }
  - name: roles
    match: { path_prefix: /roles }
    service: echo
    policies:
      jwt: { secret: "${SECRET}" }
      acl: { claim: realm_access.roles, all_of: [customer, verified] }
  - name: scopes
    match: { path_prefix: /scopes }
    service: echo
    policies:
      jwt: { secret: "${SECRET}" }
      acl: { claim: scope, any_of: ["orders:write"] }
consumers:
  - name: alice-app
    groups: [paid, mobile]
    api_keys: [{ key: "Key-Alice-123" }]
  - name: bob-app
    groups: [free]
    api_keys:
      # sha256 of "key-bob-456", upper-case hex
      - sha256: "B707C812419537C48F510D676AF4C620D7AFB7BA047162BB34C79BC1FB0C9241"
  - name: eve-app
    groups: [paid, banned]
    api_keys: [{ key: "key-eve-789" }]
  - name: token-user
    groups: [paid]
    jwt: [{ subject: tok-user }]
`

func startAuth(t *testing.T) *gw {
	t.Helper()
	echo := echoServer(t, "echo")
	g, _ := startGatewayLogs(t, authRoutes, map[string]string{"ECHO": echo.URL, "SECRET": testSecret})
	return g
}

func TestKeyAuth(t *testing.T) {
	g := startAuth(t)
	cases := []struct {
		name   string
		path   string
		hdr    []string
		status int
		who    string
	}{
		{"valid key in header", "/keys", []string{"X-API-Key", "Key-Alice-123"}, 200, "alice-app"},
		{"valid key in query", "/keys?apikey=Key-Alice-123", nil, 200, "alice-app"},
		{"header name is case-insensitive", "/keys", []string{"x-api-key", "Key-Alice-123"}, 200, "alice-app"},
		{"wrong key", "/keys", []string{"X-API-Key", "Key-Alice-124"}, 401, ""},
		{"leading space", "/keys", []string{"X-API-Key", " Key-Alice-123"}, 200, "alice-app"}, // net/http trims header values
		{"trailing tab inside query", "/keys?apikey=Key-Alice-123%09", nil, 401, ""},
		{"space inside query", "/keys?apikey=%20Key-Alice-123", nil, 401, ""},
		{"lower-cased key", "/keys", []string{"X-API-Key", "key-alice-123"}, 401, ""},
		{"upper-cased key", "/keys", []string{"X-API-Key", "KEY-ALICE-123"}, 401, ""},
		{"prefix of key", "/keys", []string{"X-API-Key", "Key-Alice-12"}, 401, ""},
		{"empty key", "/keys?apikey=", nil, 401, ""},
		{"missing key", "/keys", nil, 401, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := g.do("GET", c.path, nil, append(c.hdr, "X-Consumer-Name", "forged")...)
			wantStatus(t, resp, body, c.status)
			if c.status == 401 {
				if wa := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(wa, `APIKey realm="gatehouse"`) {
					t.Errorf("WWW-Authenticate = %q; want an APIKey challenge", wa)
				}
				return
			}
			s := parseSeen(t, body)
			if got := s.Header["X-Consumer-Name"]; len(got) != 1 || got[0] != c.who {
				t.Errorf("upstream X-Consumer-Name = %v; want [%s]", got, c.who)
			}
			if got := s.Header["X-Consumer-Groups"]; len(got) != 1 || got[0] != "paid,mobile" {
				t.Errorf("upstream X-Consumer-Groups = %v; want [paid,mobile]", got)
			}
			if _, ok := s.Header["X-Api-Key"]; ok {
				t.Errorf("upstream got X-API-Key; want it hidden")
			}
			if strings.Contains(s.Query, "apikey") {
				t.Errorf("upstream query %q still has the key", s.Query)
			}
		})
	}
	t.Run("key stays when not hidden", func(t *testing.T) {
		resp, body := g.do("GET", "/visible", nil, "X-API-Key", "key-eve-789")
		wantStatus(t, resp, body, 200)
		if got := parseSeen(t, body).Header["X-Api-Key"]; len(got) != 1 {
			t.Errorf("upstream X-API-Key = %v; want the key passed on", got)
		}
	})
	t.Run("no key in any log", func(t *testing.T) {
		waitFor(t, "access log", func() bool { return strings.Count(g.logs.String(), "\n") >= len(cases) })
		for _, secret := range []string{"Key-Alice", "key-alice", "KEY-ALICE"} {
			if strings.Contains(g.logs.String(), secret) {
				t.Errorf("access log contains %q", secret)
			}
		}
	})
}

func TestAnyOfAndAnonymous(t *testing.T) {
	g := startAuth(t)
	tok := sign(t, "HS256", []byte(testSecret), nil, gjwt.MapClaims(claims("tok-user", nil)))
	t.Run("token alone", func(t *testing.T) {
		resp, body := g.do("GET", "/either", nil, bearer(tok)...)
		wantStatus(t, resp, body, 200)
		s := parseSeen(t, body)
		if got := s.Header["X-User-Id"]; len(got) != 1 || got[0] != "tok-user" {
			t.Errorf("X-User-ID = %v; want [tok-user]", got)
		}
		if got := s.Header["X-Consumer-Name"]; len(got) != 1 || got[0] != "token-user" {
			t.Errorf("X-Consumer-Name = %v; want [token-user] (sub mapped to the consumer)", got)
		}
	})
	t.Run("key alone", func(t *testing.T) {
		resp, body := g.do("GET", "/either", nil, "X-API-Key", "Key-Alice-123")
		wantStatus(t, resp, body, 200)
		if got := parseSeen(t, body).Header["X-Consumer-Name"]; len(got) != 1 || got[0] != "alice-app" {
			t.Errorf("X-Consumer-Name = %v; want [alice-app]", got)
		}
	})
	t.Run("neither: both challenges", func(t *testing.T) {
		resp, body := g.do("GET", "/either", nil)
		wantStatus(t, resp, body, 401)
		got := strings.Join(resp.Header.Values("WWW-Authenticate"), " | ")
		if !strings.Contains(got, "Bearer realm=") || !strings.Contains(got, "APIKey realm=") {
			t.Errorf("WWW-Authenticate = %q; want Bearer and APIKey challenges", got)
		}
	})
	t.Run("bad token is refused even with a good key", func(t *testing.T) {
		resp, body := g.do("GET", "/either", nil, append(bearer(tok+"x"), "X-API-Key", "Key-Alice-123")...)
		wantStatus(t, resp, body, 401)
	})
	t.Run("anonymous allowed, forged identity removed", func(t *testing.T) {
		resp, body := g.do("GET", "/open", nil, "X-Consumer-Name", "alice-app", "X-Consumer-Groups", "admin")
		wantStatus(t, resp, body, 200)
		s := parseSeen(t, body)
		if _, ok := s.Header["X-Consumer-Name"]; ok {
			t.Errorf("upstream got a client-sent X-Consumer-Name")
		}
		if _, ok := s.Header["X-Consumer-Groups"]; ok {
			t.Errorf("upstream got a client-sent X-Consumer-Groups")
		}
	})
	t.Run("anonymous allowed, wrong key still refused", func(t *testing.T) {
		resp, body := g.do("GET", "/open", nil, "X-API-Key", "nope")
		wantStatus(t, resp, body, 401)
	})
}

func TestACL(t *testing.T) {
	g := startAuth(t)
	secret := []byte(testSecret)
	tok := func(extra map[string]any) []string {
		return bearer(sign(t, "HS256", secret, nil, claims("someone", extra)))
	}
	cases := []struct {
		name   string
		path   string
		hdr    []string
		status int
	}{
		{"paid group allowed", "/paid", []string{"X-API-Key", "Key-Alice-123"}, 200},
		{"free group forbidden", "/paid", []string{"X-API-Key", "key-bob-456"}, 403},
		{"denied group wins", "/paid", []string{"X-API-Key", "key-eve-789"}, 403},
		{"no credential", "/paid", nil, 401},
		{"all roles", "/roles", tok(map[string]any{"realm_access": map[string]any{"roles": []string{"customer", "verified", "x"}}}), 200},
		{"one role missing", "/roles", tok(map[string]any{"realm_access": map[string]any{"roles": []string{"customer"}}}), 403},
		{"roles claim missing", "/roles", tok(nil), 403},
		{"roles claim not a list", "/roles", tok(map[string]any{"realm_access": "customer verified"}), 403},
		{"scope present", "/scopes", tok(map[string]any{"scope": "orders:read orders:write"}), 200},
		{"scope absent", "/scopes", tok(map[string]any{"scope": "orders:read"}), 403},
		{"scope prefix is not a scope", "/scopes", tok(map[string]any{"scope": "orders:writer"}), 403},
		{"no token", "/scopes", nil, 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := g.do("GET", c.path, nil, c.hdr...)
			wantStatus(t, resp, body, c.status)
			if c.status == 401 && resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
		})
	}
}

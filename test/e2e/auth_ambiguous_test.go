package e2e

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

const ambiguousRoutes = `
services:
  - name: echo
    targets: [{ url: "${ECHO}" }]
routes:
  - name: keys
    match: { path_prefix: /keys }
    service: echo
    policies:
      key_auth: { query: apikey }
  - name: token
    match: { path_prefix: /token }
    service: echo
    policies:
      jwt: { secret: "${SECRET}", query: access_token, cookie: session }
  - name: mixed
    match: { path_prefix: /mixed }
    service: echo
    policies:
      basic_auth: {}
      jwt: { secret: "${SECRET}" }
      key_auth: {}
consumers:
  - name: bob
    basic_auth: [{ username: bob, password_bcrypt: "${HASH}" }]
    api_keys: [{ key: "key-bob-123" }, { key: "key-bob-456" }]
`

// TestAmbiguousCredentialsRefused: a credential sent more than once, or in
// more than one of the places a method reads, is refused with 400 before
// any method runs, so the service can never act on a copy the gateway did
// not check. One copy of the same credential passes.
func TestAmbiguousCredentialsRefused(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("bob-pass"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	var hits atomic.Int64
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(up.Close)
	g := startGateway(t, ambiguousRoutes, map[string]string{"ECHO": up.URL, "SECRET": testSecret, "HASH": string(hash)})
	tok := sign(t, "HS256", []byte(testSecret), nil, claims("alice", nil))
	tok2 := sign(t, "HS256", []byte(testSecret), nil, claims("mallory", nil))
	bobBasic := basic("bob", "bob-pass")

	refused := []struct {
		name, path string
		hdr        []string
	}{
		{"two Authorization headers", "/token", append(bearer(tok), bearer(tok2)...)},
		{"Basic and Bearer", "/mixed", append(append([]string{}, bobBasic...), bearer(tok)...)},
		{"two API-key headers", "/keys", []string{"X-API-Key", "key-bob-123", "X-API-Key", "key-bob-456"}},
		{"key in header and query", "/keys?apikey=key-bob-456", []string{"X-API-Key", "key-bob-123"}},
		{"key twice in query", "/keys?apikey=key-bob-123&apikey=key-bob-456", nil},
		{"Basic user with two API keys", "/mixed", append(append([]string{}, bobBasic...), "X-API-Key", "key-bob-123", "X-API-Key", "nobody")},
		{"token in header and query", "/token?access_token=" + tok2, bearer(tok)},
		{"token in header and cookie", "/token", append(bearer(tok), "Cookie", "session="+tok2)},
		{"token cookie twice", "/token", []string{"Cookie", "session=" + tok + "; session=" + tok2}},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			before := hits.Load()
			resp, body := g.do("GET", c.path, nil, c.hdr...)
			wantStatus(t, resp, body, 400)
			if e := parseError(t, body); !strings.HasPrefix(e.Error, "ambiguous credentials") {
				t.Errorf("error = %q; want it to say the credentials are ambiguous", e.Error)
			}
			if n := hits.Load() - before; n != 0 {
				t.Errorf("service got %d requests; want none", n)
			}
		})
	}
	passed := []struct {
		name, path string
		hdr        []string
	}{
		{"one key", "/keys", []string{"X-API-Key", "key-bob-123"}},
		{"one key in the query", "/keys?apikey=key-bob-123", nil},
		{"one token", "/token", bearer(tok)},
		{"token in the cookie beside others", "/token", []string{"Cookie", "a=1; session=" + tok + "; b=2"}},
		{"Basic user", "/mixed", bobBasic},
	}
	for _, c := range passed {
		t.Run(c.name, func(t *testing.T) {
			resp, body := g.do("GET", c.path, nil, c.hdr...)
			wantStatus(t, resp, body, 200)
		})
	}
}

package e2e

import (
	"strings"
	"testing"
)

// TestJWTCritRefused: a token naming a critical header extension the
// gateway does not understand is refused (RFC 7515, 4.1.11), even though
// its signature and claims are good; the same token without crit passes.
func TestJWTCritRefused(t *testing.T) {
	env := startJWT(t, "30s")
	k := testKeys()
	ok := sign(t, "RS256", k.rsa, map[string]any{"kid": "kid-RS256"}, claims("alice", nil))
	resp, body := env.g.do("GET", "/jwks/x", nil, bearer(ok)...)
	wantStatus(t, resp, body, 200)

	for name, hdr := range map[string]map[string]any{
		"unknown extension": {"kid": "kid-RS256", "crit": []string{"https://ext.example/policy"}, "https://ext.example/policy": "strict"},
		"b64":               {"kid": "kid-RS256", "crit": []string{"b64"}, "b64": true},
	} {
		t.Run(name, func(t *testing.T) {
			tok := sign(t, "RS256", k.rsa, hdr, claims("alice", nil))
			resp, body := env.g.do("GET", "/jwks/x", nil, bearer(tok)...)
			wantStatus(t, resp, body, 401)
			if wa := resp.Header.Get("WWW-Authenticate"); !strings.Contains(wa, `error_description="unsupported critical header"`) {
				t.Errorf("WWW-Authenticate = %q; want error_description \"unsupported critical header\"", wa)
			}
		})
	}
}

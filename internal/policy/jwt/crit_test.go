package jwt

import (
	"testing"
	"time"

	gjwt "github.com/golang-jwt/jwt/v5"
)

// TestCritRefused: RFC 7515, 4.1.11. The gateway understands no header
// extension, so a token that makes any of them critical is refused, as is
// a malformed crit; a token without crit passes.
func TestCritRefused(t *testing.T) {
	now := time.Now()
	c := gjwt.MapClaims{"sub": "u1", "exp": now.Add(time.Hour).Unix()}
	cases := []struct {
		name string
		hdr  map[string]any
		want string // "" means accepted
	}{
		{"no crit", nil, ""},
		{"unknown extension", map[string]any{"crit": []string{"exp"}, "exp": 1}, "unsupported critical header"},
		{"b64 (RFC 7797)", map[string]any{"crit": []string{"b64"}, "b64": false}, "unsupported critical header"},
		{"empty list", map[string]any{"crit": []string{}}, "unsupported critical header"},
		{"not a list", map[string]any{"crit": "exp"}, "unsupported critical header"},
		{"null", map[string]any{"crit": nil}, "unsupported critical header"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, f := hsVerifier(checks{}).verify(signHS(t, "HS256", c, tc.hdr), now)
			got := ""
			if f != nil {
				got = f.Desc
			}
			if got != tc.want {
				t.Errorf("got %q; want %q", got, tc.want)
			}
		})
	}
}

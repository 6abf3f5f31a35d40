package e2e

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
)

// jwtRoutes has a JWKS route and an HS256 route, both forwarding sub and
// roles and hiding the token.
const jwtRoutes = `
services:
  - name: echo
    targets: [{ url: "${ECHO}" }]
routes:
  - name: jwks
    match: { path_prefix: /jwks }
    service: echo
    policies:
      jwt:
        jwks_url: "${JWKS}"
        algorithms: [RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA]
        issuers: ["https://issuer.test"]
        audiences: [gatehouse-test]
        forward_claims: { sub: X-User-ID, roles: X-User-Roles }
        hide_credentials: true
        jwks_cooldown: ${COOLDOWN}
  - name: hmac
    match: { path_prefix: /hmac }
    service: echo
    policies:
      jwt:
        secret: "${SECRET}"
        algorithms: [HS256, HS384, HS512]
        forward_claims: { sub: X-User-ID }
        query: access_token
        cookie: session
        hide_credentials: true
`

type jwtEnv struct {
	g     *gw
	slogs *syncBuffer
	jwks  *jwksServer
}

func startJWT(t *testing.T, cooldown string) jwtEnv {
	t.Helper()
	jwks := newJWKSServer(t, allAlgKeys())
	echo := echoServer(t, "echo")
	g, slogs := startGatewayLogs(t, jwtRoutes, map[string]string{
		"ECHO": echo.URL, "JWKS": jwks.URL, "SECRET": testSecret, "COOLDOWN": cooldown,
	})
	return jwtEnv{g: g, slogs: slogs, jwks: jwks}
}

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

func TestJWTValidTokenEveryAlgorithm(t *testing.T) {
	env := startJWT(t, "30s")
	k := testKeys()
	for _, alg := range asymmetricAlgs {
		t.Run(alg, func(t *testing.T) {
			tok := sign(t, alg, k.forAlg(alg), map[string]any{"kid": "kid-" + alg}, claims("user-"+alg, map[string]any{"roles": []string{"a", "b"}}))
			resp, body := env.g.do("GET", "/jwks/x", nil, append(bearer(tok), "X-User-ID", "forged")...)
			wantStatus(t, resp, body, 200)
			s := parseSeen(t, body)
			if got := s.Header["X-User-Id"]; len(got) != 1 || got[0] != "user-"+alg {
				t.Errorf("upstream X-User-ID = %v; want [user-%s] (client value overwritten)", got, alg)
			}
			if got := s.Header["X-User-Roles"]; len(got) != 1 || got[0] != "a,b" {
				t.Errorf("upstream X-User-Roles = %v; want [a,b]", got)
			}
			if _, ok := s.Header["Authorization"]; ok {
				t.Errorf("upstream got Authorization; want it hidden")
			}
		})
	}
	for _, alg := range []string{"HS256", "HS384", "HS512"} {
		t.Run(alg, func(t *testing.T) {
			tok := sign(t, alg, []byte(testSecret), nil, claims("h-"+alg, nil))
			resp, body := env.g.do("GET", "/hmac", nil, bearer(tok)...)
			wantStatus(t, resp, body, 200)
			if got := parseSeen(t, body).Header["X-User-Id"]; len(got) != 1 || got[0] != "h-"+alg {
				t.Errorf("upstream X-User-ID = %v; want [h-%s]", got, alg)
			}
		})
	}
}

func TestJWTTokenFromQueryAndCookieIsHidden(t *testing.T) {
	env := startJWT(t, "30s")
	tok := sign(t, "HS256", []byte(testSecret), nil, claims("q", nil))
	resp, body := env.g.do("GET", "/hmac?a=1&access_token="+tok, nil)
	wantStatus(t, resp, body, 200)
	if s := parseSeen(t, body); s.Query != "a=1" {
		t.Errorf("upstream query = %q; want %q (token removed)", s.Query, "a=1")
	}
	resp, body = env.g.do("GET", "/hmac", nil, "Cookie", "theme=dark; session="+tok)
	wantStatus(t, resp, body, 200)
	if got := parseSeen(t, body).Header["Cookie"]; len(got) != 1 || got[0] != "theme=dark" {
		t.Errorf("upstream Cookie = %v; want [theme=dark]", got)
	}
}

func TestJWTAttackTokensAreRefused(t *testing.T) {
	env := startJWT(t, "30s")
	k := testKeys()
	attacker, hits := hitCounter(t)
	good := func(extra map[string]any) string {
		return sign(t, "RS256", k.rsa, map[string]any{"kid": "kid-RS256"}, claims("mallory", extra))
	}
	pubDER, _ := x509.MarshalPKIXPublicKey(&k.rsa.PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	// The attacker's own key, offered in the header in every way.
	attackerJWK, _ := jwkset.NewJWKFromKey(&k.rsa2.PublicKey, jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{KID: "evil"}})
	payload := `{"sub":"mallory","iss":"https://issuer.test","aud":"gatehouse-test","exp":` + fmt.Sprint(time.Now().Add(time.Hour).Unix()) + `}`
	tampered := good(nil)
	tampered = tampered[:len(tampered)-4] + "AAAA"

	cases := []struct {
		name, token, desc string
	}{
		{"alg none", unsigned(`{"alg":"none","kid":"kid-RS256"}`, payload, ""), "invalid signature or algorithm"},
		{"alg None", unsigned(`{"alg":"None","kid":"kid-RS256"}`, payload, ""), ""},
		{"alg NONE", unsigned(`{"alg":"NONE","kid":"kid-RS256"}`, payload, ""), ""},
		{"HS256 signed with the RSA public key", sign(t, "HS256", pubPEM, map[string]any{"kid": "kid-RS256"}, claims("mallory", nil)), ""},
		{"HS256 with the public key, no kid", sign(t, "HS256", pubPEM, nil, claims("mallory", nil)), ""},
		{"expired", good(map[string]any{"exp": time.Now().Add(-time.Minute).Unix()}), "token expired"},
		{"future nbf", good(map[string]any{"nbf": time.Now().Add(time.Hour).Unix()}), "token not yet valid"},
		{"no exp", good(map[string]any{"exp": nil}), "token has no exp claim"},
		{"wrong iss", good(map[string]any{"iss": "https://evil.test"}), "issuer not allowed"},
		{"wrong aud", good(map[string]any{"aud": "other-api"}), "audience not allowed"},
		{"bad signature", tampered, "invalid signature or algorithm"},
		{"signed by another key", sign(t, "RS256", k.rsa2, map[string]any{"kid": "kid-RS256"}, claims("mallory", nil)), "invalid signature or algorithm"},
		{"unknown kid", sign(t, "RS256", k.rsa, map[string]any{"kid": "nope"}, claims("mallory", nil)), "unknown key id"},
		{"embedded jwk", sign(t, "RS256", k.rsa2, map[string]any{"jwk": attackerJWK.Marshal()}, claims("mallory", nil)), ""},
		{"jku", sign(t, "RS256", k.rsa2, map[string]any{"kid": "evil", "jku": attacker.URL + "/jwks.json"}, claims("mallory", nil)), ""},
		{"x5u", sign(t, "RS256", k.rsa2, map[string]any{"x5u": attacker.URL + "/cert.pem"}, claims("mallory", nil)), ""},
		{"kid path traversal", sign(t, "HS256", []byte(""), map[string]any{"kid": "../../dev/null"}, claims("mallory", nil)), ""},
		{"bad base64", "eyJ!!!.eyJ***.c2ln", "malformed token"},
		{"64 KB of dots", strings.Repeat(".", 64<<10), ""},
		{"two segments", "abc.def", "malformed token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := env.g.do("GET", "/jwks/x", nil, bearer(c.token)...)
			wantStatus(t, resp, body, 401)
			wa := resp.Header.Get("WWW-Authenticate")
			if !strings.HasPrefix(wa, `Bearer realm="gatehouse"`) || !strings.Contains(wa, `error="invalid_token"`) {
				t.Errorf("WWW-Authenticate = %q; want a Bearer invalid_token challenge", wa)
			}
			if c.desc != "" && !strings.Contains(wa, `error_description="`+c.desc+`"`) {
				t.Errorf("WWW-Authenticate = %q; want error_description %q", wa, c.desc)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("attacker's server got %d requests; want 0", n)
	}
	// Nothing secret in either log: no token, no part of one.
	waitFor(t, "access log lines", func() bool { return strings.Count(env.g.logs.String(), "\n") >= len(cases) })
	for name, log := range map[string]string{"access log": env.g.logs.String(), "gateway log": env.slogs.String()} {
		for _, c := range cases {
			if len(c.token) > 20 && strings.Contains(log, c.token[len(c.token)-20:]) {
				t.Errorf("%s contains (part of) the %q token", name, c.name)
			}
		}
		if strings.Contains(log, testSecret) {
			t.Errorf("%s contains the secret", name)
		}
	}
}

func TestJWKSRandomKidFloodFetchesAtMostTwice(t *testing.T) {
	env := startJWT(t, "1h")
	k := testKeys()
	const n = 500
	tokens := make([]string, n)
	for i := range tokens {
		tokens[i] = sign(t, "ES256", k.p256, map[string]any{"kid": fmt.Sprintf("random-%d-%d", i, rand.Int64())}, claims("flood", nil))
	}
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 8 {
				req, _ := http.NewRequest("GET", env.g.url("/jwks/flood"), nil)
				req.Header.Set("Authorization", "Bearer "+tokens[i])
				resp, err := client.Do(req)
				if err != nil {
					continue
				}
				resp.Body.Close()
				statuses[i] = resp.StatusCode
			}
		}()
	}
	wg.Wait()
	for i, s := range statuses {
		if s != 401 {
			t.Fatalf("token %d: got status %d; want 401", i, s)
		}
	}
	if f := env.jwks.fetches.Load(); f > 2 {
		t.Errorf("JWKS fetched %d times for %d random kids; want at most 2", f, n)
	}
}

func TestJWKSRotationPicksUpNewKey(t *testing.T) {
	env := startJWT(t, "1ms")
	k := testKeys()
	old := sign(t, "RS256", k.rsa, map[string]any{"kid": "kid-RS256"}, claims("before", nil))
	resp, body := env.g.do("GET", "/jwks", nil, bearer(old)...)
	wantStatus(t, resp, body, 200)

	// The issuer rotates to a new key under a new kid.
	env.jwks.set(t, map[string]jwkEntry{"rotated": {pub: &k.rsa2.PublicKey, alg: "RS256"}})
	time.Sleep(5 * time.Millisecond) // let the 1ms cooldown pass
	fresh := sign(t, "RS256", k.rsa2, map[string]any{"kid": "rotated"}, claims("after", nil))
	resp, body = env.g.do("GET", "/jwks", nil, bearer(fresh)...)
	wantStatus(t, resp, body, 200)
	if got := parseSeen(t, body).Header["X-User-Id"]; len(got) != 1 || got[0] != "after" {
		t.Errorf("X-User-ID = %v; want [after]", got)
	}
	// A new token under the retired kid no longer verifies.
	retired := sign(t, "RS256", k.rsa, map[string]any{"kid": "kid-RS256"}, claims("retired", nil))
	resp, body = env.g.do("GET", "/jwks", nil, bearer(retired)...)
	wantStatus(t, resp, body, 401)
}

func TestJWKSDownKeepsCachedKeys(t *testing.T) {
	env := startJWT(t, "1ms")
	k := testKeys()
	if f := env.jwks.fetches.Load(); f < 1 {
		t.Fatalf("JWKS fetched %d times at start; want at least 1", f)
	}
	env.jwks.down.Store(true)
	for i := range 3 {
		// Fresh tokens (not in the verified-token cache) with known kids.
		tok := sign(t, "ES384", k.p384, map[string]any{"kid": "kid-ES384"}, claims(fmt.Sprint("down-", i), nil))
		resp, body := env.g.do("GET", "/jwks", nil, bearer(tok)...)
		wantStatus(t, resp, body, 200)
	}
	// An unknown kid makes the gateway try the (down) server, and refuse.
	before := env.jwks.fetches.Load()
	time.Sleep(5 * time.Millisecond)
	tok := sign(t, "ES384", k.p384, map[string]any{"kid": "unknown"}, claims("x", nil))
	resp, body := env.g.do("GET", "/jwks", nil, bearer(tok)...)
	wantStatus(t, resp, body, 401)
	if env.jwks.fetches.Load() <= before {
		t.Errorf("unknown kid caused no refetch; want one")
	}
	tok = sign(t, "ES384", k.p384, map[string]any{"kid": "kid-ES384"}, claims("still", nil))
	resp, body = env.g.do("GET", "/jwks", nil, bearer(tok)...)
	wantStatus(t, resp, body, 200)
}

func TestJWTMissingTokenChallenge(t *testing.T) {
	env := startJWT(t, "30s")
	resp, body := env.g.do("GET", "/jwks", nil)
	wantStatus(t, resp, body, 401)
	if wa := resp.Header.Get("WWW-Authenticate"); wa != `Bearer realm="gatehouse"` {
		t.Errorf("WWW-Authenticate = %q; want %q", wa, `Bearer realm="gatehouse"`)
	}
	// Another scheme, or "Bearer" with nothing after it, is no token.
	for _, h := range []string{"Basic dTpw", "Bearer", "Bearer "} {
		resp, body = env.g.do("GET", "/jwks", nil, "Authorization", h)
		wantStatus(t, resp, body, 401)
	}
}

func TestJWTOIDCDiscovery(t *testing.T) {
	jwks := newJWKSServer(t, allAlgKeys())
	var discoveries atomic.Int64
	var issuer string
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		discoveries.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"issuer":%q,"jwks_uri":%q}`, issuer, jwks.URL+"/keys")
	}))
	t.Cleanup(idp.Close)
	issuer = idp.URL
	echo := echoServer(t, "echo")
	g := startGateway(t, `
services:
  - name: echo
    targets: [{ url: "${ECHO}" }]
routes:
  - name: oidc
    match: { path_prefix: / }
    service: echo
    policies:
      jwt: { oidc_issuer: "${IDP}" }
`, map[string]string{"ECHO": echo.URL, "IDP": idp.URL})
	k := testKeys()
	for _, c := range []struct {
		name, iss string
		status    int
	}{{"issuer from discovery", idp.URL, 200}, {"other issuer", "https://issuer.test", 401}} {
		t.Run(c.name, func(t *testing.T) {
			tok := sign(t, "RS256", k.rsa, map[string]any{"kid": "kid-RS256"}, claims("o", map[string]any{"iss": c.iss}))
			resp, body := g.do("GET", "/", nil, bearer(tok)...)
			wantStatus(t, resp, body, c.status)
		})
	}
	if d, f := discoveries.Load(), jwks.fetches.Load(); d != 1 || f != 1 {
		t.Errorf("discovery fetched %d times, JWKS %d; want 1 and 1", d, f)
	}
}

func TestJWKSScheduledRefresh(t *testing.T) {
	k := testKeys()
	jwks := newJWKSServer(t, map[string]jwkEntry{"a": {pub: &k.rsa.PublicKey, alg: "RS256"}})
	echo := echoServer(t, "echo")
	g := startGateway(t, `
services:
  - name: echo
    targets: [{ url: "${ECHO}" }]
routes:
  - name: r
    match: { path_prefix: / }
    service: echo
    policies:
      jwt: { jwks_url: "${JWKS}", jwks_refresh: 20ms, jwks_cooldown: 1h }
`, map[string]string{"ECHO": echo.URL, "JWKS": jwks.URL})
	// The new key appears without any unknown-kid refetch (cooldown 1h):
	// only the schedule can bring it in.
	jwks.set(t, map[string]jwkEntry{"b": {pub: &k.rsa2.PublicKey, alg: "RS256"}})
	before := jwks.fetches.Load()
	waitFor(t, "two scheduled fetches", func() bool { return jwks.fetches.Load() >= before+2 })
	tok := sign(t, "RS256", k.rsa2, map[string]any{"kid": "b"}, claims("sched", nil))
	resp, body := g.do("GET", "/", nil, bearer(tok)...)
	wantStatus(t, resp, body, 200)
}

package jwt

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gjwt "github.com/golang-jwt/jwt/v5"

	"github.com/gatehouse/gatehouse/internal/config"
)

const secret = "0123456789abcdef0123456789abcdef!"

func signHS(t testing.TB, alg string, c gjwt.MapClaims, hdr map[string]any) string {
	t.Helper()
	tok := gjwt.NewWithClaims(gjwt.GetSigningMethod(alg), c)
	for k, v := range hdr {
		tok.Header[k] = v
	}
	s, err := tok.SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func hsVerifier(c checks) *verifier {
	return newVerifier(&staticKeys{keys: []*key{{pub: []byte(secret), algs: []string{"HS256"}}}}, []string{"HS256"}, c)
}

func TestVerifyClaims(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	base := func(extra gjwt.MapClaims) gjwt.MapClaims {
		c := gjwt.MapClaims{"iss": "https://a", "aud": []string{"x", "api"}, "sub": "u1", "iat": now.Unix() - 10, "exp": now.Unix() + 600,
			"realm_access": map[string]any{"roles": []string{"admin"}}, "tier": "gold"}
		for k, v := range extra {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
		return c
	}
	strict := checks{leeway: 5 * time.Second, maxLifetime: time.Hour, requireExp: true, issuers: []string{"https://a"}, audiences: []string{"api"},
		required: [][]string{{"realm_access", "roles"}}, values: []claimValue{{path: []string{"tier"}, name: "tier", want: "gold"}}}
	cases := []struct {
		name   string
		claims gjwt.MapClaims
		c      checks
		want   string // "" means valid
	}{
		{"valid", base(nil), strict, ""},
		{"expired", base(gjwt.MapClaims{"exp": now.Unix() - 6}), strict, "token expired"},
		{"expired within leeway", base(gjwt.MapClaims{"exp": now.Unix() - 4}), strict, ""},
		{"nbf in future", base(gjwt.MapClaims{"nbf": now.Unix() + 60}), strict, "token not yet valid"},
		{"nbf within leeway", base(gjwt.MapClaims{"nbf": now.Unix() + 4}), strict, ""},
		{"iat in future", base(gjwt.MapClaims{"iat": now.Unix() + 60}), strict, "token issued in the future"},
		{"no exp", base(gjwt.MapClaims{"exp": nil}), strict, "token has no exp claim"},
		{"no exp allowed", base(gjwt.MapClaims{"exp": nil}), checks{}, ""},
		{"exp as string", base(gjwt.MapClaims{"exp": "tomorrow"}), strict, "malformed exp claim"},
		{"lifetime too long", base(gjwt.MapClaims{"exp": now.Unix() + 7200}), strict, "token lifetime too long"},
		{"wrong issuer", base(gjwt.MapClaims{"iss": "https://b"}), strict, "issuer not allowed"},
		{"aud string", base(gjwt.MapClaims{"aud": "api"}), strict, ""},
		{"wrong aud", base(gjwt.MapClaims{"aud": "other"}), strict, "audience not allowed"},
		{"missing aud", base(gjwt.MapClaims{"aud": nil}), strict, "audience not allowed"},
		{"missing required", base(gjwt.MapClaims{"realm_access": nil}), strict, "missing claim realm_access.roles"},
		{"claim value mismatch", base(gjwt.MapClaims{"tier": "silver"}), strict, "claim tier does not match"},
		{"claim value in list", base(gjwt.MapClaims{"tier": []string{"silver", "gold"}}), strict, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := hsVerifier(c.c)
			_, f := v.verify(signHS(t, "HS256", c.claims, nil), now)
			got := ""
			if f != nil {
				got = f.Desc
			}
			if got != c.want {
				t.Errorf("got %q; want %q", got, c.want)
			}
		})
	}
}

func TestAlgorithmPinning(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	pub, err := parsePublicKeyPEM(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	algs := pinAlgs(pub, "", nil)
	if len(algs) != 1 || algs[0] != "RS256" {
		t.Fatalf("default algs for RSA = %v; want [RS256]", algs)
	}
	v := newVerifier(&staticKeys{keys: []*key{{pub: pub, algs: algs}}}, algs, checks{})
	exp := time.Now().Add(time.Hour).Unix()
	good, _ := gjwt.NewWithClaims(gjwt.SigningMethodRS256, gjwt.MapClaims{"exp": exp}).SignedString(rsaKey)
	if _, f := v.verify(good, time.Now()); f != nil {
		t.Fatalf("RS256 token refused: %v", f)
	}
	ps, _ := gjwt.NewWithClaims(gjwt.SigningMethodPS256, gjwt.MapClaims{"exp": exp}).SignedString(rsaKey)
	hs, _ := gjwt.NewWithClaims(gjwt.SigningMethodHS256, gjwt.MapClaims{"exp": exp}).SignedString(pubPEM)
	hsDER, _ := gjwt.NewWithClaims(gjwt.SigningMethodHS256, gjwt.MapClaims{"exp": exp}).SignedString(der)
	enc := base64.RawURLEncoding.EncodeToString
	for name, tok := range map[string]string{
		"PS256 on an RS256-pinned key": ps,
		"HS256 keyed with the PEM":     hs,
		"HS256 keyed with the DER":     hsDER,
		"alg none":                     enc([]byte(`{"alg":"none"}`)) + "." + enc([]byte(`{"exp":9999999999}`)) + ".",
	} {
		if _, f := v.verify(tok, time.Now()); f == nil {
			t.Errorf("%s: accepted; want refused", name)
		}
	}
	ec, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if got := pinAlgs(&ec.PublicKey, "", []string{"ES256", "ES384"}); len(got) != 1 || got[0] != "ES384" {
		t.Errorf("P-384 algs = %v; want [ES384]", got)
	}
	if got := pinAlgs(&rsaKey.PublicKey, "RS512", []string{"RS256"}); len(got) != 0 {
		t.Errorf("JWK alg RS512 with only RS256 configured = %v; want none", got)
	}
}

func TestParseJWKSSkipsUnusableKeys(t *testing.T) {
	body := []byte(`{"keys":[
		{"kty":"oct","kid":"sym","k":"c2VjcmV0"},
		{"kty":"RSA","kid":"enc","use":"enc","n":"AQAB","e":"AQAB"},
		{"kty":"EC","kid":"bad","crv":"P-256","x":"AA","y":"AA"},
		{"kty":"OKP","kid":"ed","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","x5u":"http://attacker.invalid/x"}
	]}`)
	km, err := parseJWKS(body, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(km.all) != 1 || km.byKID["ed"] == nil || km.byKID["ed"].algs[0] != "EdDSA" {
		t.Fatalf("kept keys %v; want only the Ed25519 key", km.byKID)
	}
	if _, err := parseJWKS([]byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`), nil); err == nil {
		t.Errorf("a JWKS of only symmetric keys was accepted")
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	pemFile := filepath.Join(dir, "k.pem")
	os.WriteFile(pemFile, []byte("not pem"), 0o600)
	cases := []struct {
		name string
		spec Spec
		want []string
	}{
		{"ok secret", Spec{Secret: secret}, nil},
		{"ok jwks", Spec{JWKSURL: "https://a/jwks.json", Algorithms: []string{"RS256", "ES256"}}, nil},
		{"no source", Spec{}, []string{"p: needs a key source: one of secret, public_key, public_key_file, jwks_url, oidc_issuer"}},
		{"two sources", Spec{Secret: secret, JWKSURL: "https://a"}, []string{"p.jwks_url: only one key source may be given, secret is already set"}},
		{"short secret", Spec{Secret: "short"}, []string{"p.secret: must be at least 32 bytes"}},
		{"bad url", Spec{JWKSURL: "ftp://a"}, []string{"p.jwks_url: must be an http or https URL"}},
		{"HS with jwks", Spec{JWKSURL: "https://a", Algorithms: []string{"HS256"}}, []string{"p.algorithms[0]: HS256 needs a secret; public keys take RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA"}},
		{"RS with secret", Spec{Secret: secret, Algorithms: []string{"RS256"}}, []string{"p.algorithms[0]: RS256 needs a public key; a secret takes HS256, HS384, HS512"}},
		{"none", Spec{Secret: secret, Algorithms: []string{"none"}}, []string{`p.algorithms[0]: unsupported algorithm "none"`}},
		{"typo alg", Spec{Secret: secret, Algorithms: []string{"HS265"}}, []string{`p.algorithms[0]: unsupported algorithm "HS265" (did you mean "HS256"?)`}},
		{"bad header", Spec{Secret: secret, ForwardClaims: map[string]string{"sub": "X User"}}, []string{`p.forward_claims.sub: invalid header name "X User"`}},
		{"negative", Spec{Secret: secret, Leeway: -1, CacheSize: -2}, []string{"p.cache_size: must be -1 (off), 0 (default) or positive", "p.leeway: must not be negative"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, e := range c.spec.Validate(config.Path("p")) {
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got %q; want %q", got, c.want)
			}
		})
	}
	if _, err := (&Spec{PublicKeyFile: pemFile}).Build(testBuildContext()); err == nil || !strings.Contains(err.Error(), "no PEM block") {
		t.Errorf("Build with a bad PEM file: err %v; want no PEM block", err)
	}
}

// FuzzVerify feeds arbitrary tokens to the verifier: it must never panic
// and never accept a token not signed with the secret.
func FuzzVerify(f *testing.F) {
	good := signHS(f, "HS256", gjwt.MapClaims{"exp": time.Now().Add(time.Hour).Unix(), "sub": "a"}, nil)
	for _, s := range []string{good, "", ".", "..", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", good + "x", strings.Repeat(".", 100),
		"eyJhbGciOiJIUzI1NiIsImtpZCI6Ii4uLy4uL2Rldi9udWxsIn0.e30.x"} {
		f.Add(s)
	}
	v := hsVerifier(checks{})
	f.Fuzz(func(t *testing.T, tok string) {
		claims, fl := v.verify(tok, time.Now())
		if fl == nil && tok != good {
			// Only a token signed with the secret can pass; re-signing
			// its claims must give back the same signature.
			parts := strings.Split(tok, ".")
			m := gjwt.SigningMethodHS256
			sig, err := m.Sign(parts[0]+"."+parts[1], []byte(secret))
			if err != nil || base64.RawURLEncoding.EncodeToString(sig) != parts[2] {
				t.Fatalf("accepted a token not signed with the secret: %q (claims %v)", tok, claims)
			}
		}
	})
}

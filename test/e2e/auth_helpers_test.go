package e2e

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	gjwt "github.com/golang-jwt/jwt/v5"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gateway"
	"github.com/gatehouse/gatehouse/internal/telemetry"
)

// testKeys are signing keys made once for the whole test binary: RSA key
// generation is slow under the race detector.
var testKeys = sync.OnceValue(func() *signingKeys {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	rsaKey2, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	return &signingKeys{rsa: rsaKey, rsa2: rsaKey2, p256: p256, p384: p384, ed: ed}
})

type signingKeys struct {
	rsa, rsa2  *rsa.PrivateKey
	p256, p384 *ecdsa.PrivateKey
	ed         ed25519.PrivateKey
}

// forAlg is the private key that signs alg (the RSA key for RS* and PS*).
func (k *signingKeys) forAlg(alg string) crypto.Signer {
	switch {
	case strings.HasPrefix(alg, "RS"), strings.HasPrefix(alg, "PS"):
		return k.rsa
	case alg == "ES256":
		return k.p256
	case alg == "ES384":
		return k.p384
	case alg == "EdDSA":
		return k.ed
	}
	return nil
}

const testSecret = "0123456789abcdef0123456789abcdef-test-secret"

// asymmetricAlgs are checked through a JWKS, one kid per algorithm.
var asymmetricAlgs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"}

// jwksServer serves a key set it can swap or take down, counting fetches.
type jwksServer struct {
	*httptest.Server
	body    atomic.Pointer[[]byte]
	down    atomic.Bool
	fetches atomic.Int64
}

func newJWKSServer(t *testing.T, keys map[string]jwkEntry) *jwksServer {
	t.Helper()
	s := &jwksServer{}
	s.set(t, keys)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		if s.down.Load() {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(*s.body.Load())
	}))
	t.Cleanup(s.Close)
	return s
}

// jwkEntry is a public key published under a kid with an alg.
type jwkEntry struct {
	pub any
	alg string
}

func (s *jwksServer) set(t testing.TB, keys map[string]jwkEntry) {
	t.Helper()
	var set jwkset.JWKSMarshal
	for kid, e := range keys {
		jwk, err := jwkset.NewJWKFromKey(e.pub, jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{KID: kid, ALG: jwkset.ALG(e.alg), USE: jwkset.UseSig}})
		if err != nil {
			t.Fatal(err)
		}
		set.Keys = append(set.Keys, jwk.Marshal())
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	s.body.Store(&b)
}

// allAlgKeys publishes one kid per asymmetric algorithm ("kid-RS256" ...).
func allAlgKeys() map[string]jwkEntry {
	k := testKeys()
	m := map[string]jwkEntry{}
	for _, alg := range asymmetricAlgs {
		m["kid-"+alg] = jwkEntry{pub: k.forAlg(alg).Public(), alg: alg}
	}
	return m
}

// claims are standard test claims valid for an hour.
func claims(sub string, extra map[string]any) gjwt.MapClaims {
	now := time.Now()
	c := gjwt.MapClaims{"iss": "https://issuer.test", "aud": "gatehouse-test", "sub": sub,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	for k, v := range extra {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	return c
}

// sign makes a token with alg, key, header fields and claims.
func sign(t *testing.T, alg string, key any, header map[string]any, c gjwt.MapClaims) string {
	t.Helper()
	tok := gjwt.NewWithClaims(gjwt.GetSigningMethod(alg), c)
	for k, v := range header {
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("signing %s: %v", alg, err)
	}
	return s
}

// signTB signs an RS256 token with the first RSA test key under kid "k1".
func signTB(tb testing.TB, k *signingKeys, c gjwt.MapClaims) string {
	tb.Helper()
	tok := gjwt.NewWithClaims(gjwt.SigningMethodRS256, c)
	tok.Header["kid"] = "k1"
	s, err := tok.SignedString(k.rsa)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// unsigned builds a token by hand (for alg none and malformed ones).
func unsigned(header, payload string, sig string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(header)) + "." + enc([]byte(payload)) + "." + sig
}

// hitCounter is a server that must never be called (an attacker's jku/x5u).
func hitCounter(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, `{"keys":[]}`)
	}))
	t.Cleanup(s.Close)
	return s, &hits
}

// startGatewayLogs is startGateway with the gateway's own log captured,
// to check that nothing secret is ever logged.
func startGatewayLogs(t *testing.T, yaml string, vars map[string]string) (*gw, *syncBuffer) {
	t.Helper()
	for k, v := range vars {
		yaml = strings.ReplaceAll(yaml, "${"+k+"}", v)
	}
	yaml = "listeners:\n  - name: public\n    addr: \"127.0.0.1:0\"\n" + yaml
	cfg, err := config.Parse([]byte(yaml), "test.yaml")
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	logs, slogs := &syncBuffer{}, &syncBuffer{}
	g, err := gateway.New(cfg, gateway.Options{
		File:      "test.yaml",
		Logger:    slog.New(slog.NewTextHandler(slogs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		AccessLog: telemetry.NewAccessLog(logs, nil),
	})
	if err != nil {
		t.Fatalf("gateway: %v", err)
	}
	if err := g.Start(); err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		g.Shutdown(ctx)
	})
	return &gw{t: t, g: g, addr: g.Addr(cfg.Listeners[0].Name).String(), logs: logs}, slogs
}

// wantStatus checks a status and, for errors, the JSON error shape.
func wantStatus(t *testing.T, resp *http.Response, body string, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("got status %d; want %d (body %s)", resp.StatusCode, want, body)
	}
	if want >= 400 {
		e := parseError(t, body)
		if e.Status != want {
			t.Errorf("body status %d; want %d", e.Status, want)
		}
	}
}

package jwt

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	gjwt "github.com/golang-jwt/jwt/v5"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// benchPolicy builds a jwt policy and a request carrying a valid token.
func benchPolicy(b *testing.B, alg string, cacheSize int) (pipeline.Policy, *http.Request) {
	b.Helper()
	claims := gjwt.MapClaims{"sub": "bench", "iss": "https://issuer", "roles": []string{"a", "b"}, "exp": time.Now().Add(time.Hour).Unix()}
	spec := &Spec{CacheSize: cacheSize, ForwardClaims: map[string]string{"sub": "X-User-ID"}, Issuers: []string{"https://issuer"}}
	var token string
	switch alg {
	case "HS256":
		spec.Secret = secret
		token, _ = gjwt.NewWithClaims(gjwt.SigningMethodHS256, claims).SignedString([]byte(secret))
	case "RS256":
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			b.Fatal(err)
		}
		der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
		file := filepath.Join(b.TempDir(), "pub.pem")
		if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
			b.Fatal(err)
		}
		spec.PublicKeyFile = file
		token, _ = gjwt.NewWithClaims(gjwt.SigningMethodRS256, claims).SignedString(k)
	}
	p, err := spec.Build(testBuildContext())
	if err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	return p, r
}

func benchHandle(b *testing.B, alg string, cacheSize int) {
	p, r := benchPolicy(b, alg, cacheSize)
	w := httptest.NewRecorder()
	next := func(http.ResponseWriter, *http.Request) error { return nil }
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := p.Handle(w, r, next); err != nil {
			b.Fatal(err)
		}
	}
}

// Cold: every request pays for parsing and the signature (cache off).
// Cached: repeated tokens are served from the verified-token cache.
func BenchmarkHS256Cold(b *testing.B)   { benchHandle(b, "HS256", -1) }
func BenchmarkHS256Cached(b *testing.B) { benchHandle(b, "HS256", 0) }
func BenchmarkRS256Cold(b *testing.B)   { benchHandle(b, "RS256", -1) }
func BenchmarkRS256Cached(b *testing.B) { benchHandle(b, "RS256", 0) }

package e2e

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gateway"
)

// The two gateway benchmarks send the same requests through the real
// gateway over loopback, with and without a cached RS256 jwt check; their
// ns/op ratio is the cost of authentication (see docs/design.md).

const benchGatewayConfig = `listeners:
  - name: public
    addr: "127.0.0.1:0"
access_log: { output: "off" }
services:
  - name: up
    targets: [{ url: "UPSTREAM" }]
routes:
  - name: open
    match: { path_prefix: /open }
    service: up
  - name: jwt
    match: { path_prefix: /jwt }
    service: up
    policies:
      jwt:
        jwks_url: "JWKS"
        issuers: ["https://issuer.test"]
        forward_claims: { sub: X-User-ID }
`

func startBenchGateway(b *testing.B) (addr string, token string) {
	b.Helper()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":1001,"status":"shipped"}`)
	}))
	b.Cleanup(up.Close)
	k := testKeys()
	jwks := &jwksServer{}
	jwks.set(b, map[string]jwkEntry{"k1": {pub: &k.rsa.PublicKey, alg: "RS256"}})
	jwks.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(*jwks.body.Load()) }))
	b.Cleanup(jwks.Close)
	yaml := strings.NewReplacer("UPSTREAM", up.URL, "JWKS", jwks.URL).Replace(benchGatewayConfig)
	cfg, err := config.Parse([]byte(yaml), "bench.yaml")
	if err != nil {
		b.Fatal(err)
	}
	g, err := gateway.New(cfg, gateway.Options{File: "bench.yaml", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	if err := g.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		g.Shutdown(ctx)
	})
	token = signTB(b, k, claims("bench", nil))
	return g.Addr("public").String(), token
}

func benchGateway(b *testing.B, path string) {
	addr, token := startBenchGateway(b)
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}
	url := "http://" + addr + path
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		for pb.Next() {
			resp, err := c.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}

func BenchmarkGatewayNoAuth(b *testing.B)         { benchGateway(b, "/open") }
func BenchmarkGatewayJWTRS256Cached(b *testing.B) { benchGateway(b, "/jwt") }

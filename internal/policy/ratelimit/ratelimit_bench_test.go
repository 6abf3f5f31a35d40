package ratelimit_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gateway"
	_ "github.com/gatehouse/gatehouse/internal/policy/all"
)

// The pair below runs the same load through the gateway with and without
// a local rate limit (never reached); the ns/op ratio is the cost of
// limiting.

func benchGateway(b *testing.B, policies string) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"ok":true}`))
	}))
	defer up.Close()
	cfg, err := config.Parse([]byte(`
listeners: [{name: public, addr: "127.0.0.1:0"}]
access_log: {output: "off"}
services: [{name: s, targets: [{url: "`+up.URL+`"}]}]
routes:
  - name: r
    match: {path_prefix: /}
    service: s
`+policies), "bench.yaml")
	if err != nil {
		b.Fatal(err)
	}
	g, err := gateway.New(cfg, gateway.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	if err := g.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		g.Shutdown(ctx)
	}()
	url := "http://" + g.Addr("public").String() + "/x"
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := c.Get(url)
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

func BenchmarkGatewayNoLimit(b *testing.B) { benchGateway(b, "") }

func BenchmarkGatewayLocalLimit(b *testing.B) {
	benchGateway(b, `    policies:
      rate_limit:
        limits: [{requests: 1000000000, per: 1s}]
`)
}

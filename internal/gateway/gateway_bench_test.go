package gateway

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
)

// The two benchmarks run the same client against the upstream directly
// and through the gateway, over real loopback sockets; the difference per
// op is what the gateway adds. allocs/op counts the whole process (client,
// gateway and the in-process upstream), so compare the two.

var body = []byte(`{"id":1001,"item":"keyboard","status":"shipped","customer":"alice","quantity":1,"total":4999}`)

func upstreamServer(b *testing.B) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	b.Cleanup(s.Close)
	return s
}

func benchClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}
}

func run(b *testing.B, url string) {
	c := benchClient()
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

func BenchmarkDirect(b *testing.B) {
	u := upstreamServer(b)
	run(b, u.URL+"/api/orders/1001")
}

func BenchmarkGateway(b *testing.B) {
	u := upstreamServer(b)
	cfg, err := config.Parse([]byte(`
listeners: [{name: public, addr: "127.0.0.1:0"}]
access_log: {output: "off"}
services: [{name: orders, targets: [{url: "`+u.URL+`"}]}]
routes:
  - {name: orders, match: {path_prefix: /api/orders}, strip_prefix: /api, service: orders}
`), "bench.yaml")
	if err != nil {
		b.Fatal(err)
	}
	g, err := New(cfg, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
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
	run(b, "http://"+g.Addr("public").String()+"/api/orders/1001")
}

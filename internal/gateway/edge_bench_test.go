package gateway

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
)

// BenchmarkGatewayEdgePolicies is BenchmarkGateway with cors (from an
// allowed origin), ip_restriction (100,000 deny entries and an allow
// list) and request_size_limit on the route: compare the two per op for
// what the three add to a proxied request. The policies' own
// benchmarks (in their packages) give the same cost without the noise
// of the sockets.
func BenchmarkGatewayEdgePolicies(b *testing.B) {
	u := upstreamServer(b)
	var deny strings.Builder
	for i := range 100000 {
		fmt.Fprintf(&deny, "100.%d.%d.%d\n", 64+i/65536, i/256%256, i%256)
	}
	file := filepath.Join(b.TempDir(), "deny.txt")
	if err := os.WriteFile(file, []byte(deny.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	cfg, err := config.Parse([]byte(`
listeners: [{name: public, addr: "127.0.0.1:0"}]
access_log: {output: "off"}
services: [{name: orders, targets: [{url: "`+u.URL+`"}]}]
routes:
  - name: orders
    match: {path_prefix: /api/orders}
    strip_prefix: /api
    service: orders
    policies:
      cors: {origins: ["https://app.example.com", "https://*.example.org"], credentials: true}
      ip_restriction: {allow: ["127.0.0.0/8"], deny_file: "`+file+`"}
      request_size_limit: {max_bytes: 1048576}
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
	url := "http://" + g.Addr("public").String() + "/api/orders/1001"
	c := benchClient()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Origin", "https://shop.example.org")
		for pb.Next() {
			resp, err := c.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") == "" {
				b.Errorf("status %d, Allow-Origin %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
				return
			}
		}
	})
}

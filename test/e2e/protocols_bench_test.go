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

// benchProtocol proxies GETs through a gateway whose listener speaks
// HTTP/1.1 and h2c, with the client using the given protocols, to compare
// the cost per request of HTTP/2 on the client side with HTTP/1.1.
// go test ./test/e2e -run - -bench Protocol -benchmem
func benchProtocol(b *testing.B, h2 bool) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":1001,"status":"shipped"}`)
	}))
	b.Cleanup(up.Close)
	yaml := strings.ReplaceAll(h2cConfig, "${ECHO}", up.URL)
	yaml = strings.Replace(yaml, "    policies:\n      request_headers: { set: { X-Route: \"{route}\" } }\n", "", 1)
	cfg, err := config.Parse([]byte(yaml+"access_log: { output: \"off\" }\n"), "bench.yaml")
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
	tr := &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}
	if h2 {
		tr.Protocols = new(http.Protocols)
		tr.Protocols.SetUnencryptedHTTP2(true)
	}
	c := &http.Client{Transport: tr}
	url := "http://" + g.Addr("public").String() + "/orders/1"
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req, _ := http.NewRequest("GET", url, nil)
		for pb.Next() {
			resp, err := c.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.ProtoMajor != map[bool]int{true: 2, false: 1}[h2] {
				b.Errorf("%s %d", resp.Proto, resp.StatusCode)
				return
			}
		}
	})
}

func BenchmarkProtocolHTTP1(b *testing.B) { benchProtocol(b, false) }
func BenchmarkProtocolH2C(b *testing.B)   { benchProtocol(b, true) }

package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// backend is an upstream whose behaviour a test can change while it runs
// and which counts the requests it got.
type backend struct {
	*httptest.Server
	name   string
	hits   atomic.Int64
	status atomic.Int32 // answer status for proxied requests; 0 is 200
	health atomic.Int32 // answer status for /healthz; 0 is 200
	// delay holds proxied requests this long (or until the caller gives up).
	delay atomic.Int64
	// hold, when set, blocks proxied requests until it is closed.
	hold atomic.Pointer[chan struct{}]
}

func newBackend(t *testing.T, name string) *backend {
	t.Helper()
	b := &backend{name: name}
	b.Server = httptest.NewServer(http.HandlerFunc(b.serve))
	t.Cleanup(b.Server.Close)
	return b
}

func (b *backend) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/healthz" {
		if s := b.health.Load(); s != 0 {
			w.WriteHeader(int(s))
		}
		return
	}
	b.hits.Add(1)
	body, _ := io.ReadAll(r.Body)
	if d := time.Duration(b.delay.Load()); d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
	}
	if h := b.hold.Load(); h != nil {
		select {
		case <-*h:
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("X-Backend", b.name)
	if s := b.status.Load(); s != 0 {
		w.WriteHeader(int(s))
	}
	fmt.Fprintf(w, "%s:%s", b.name, body)
}

// deadURL is a loopback address with nothing listening.
func deadURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// countBy sends n requests and counts the answering backend of each; it
// fails the test on any status other than 200.
func (g *gw) countBy(t *testing.T, n int, method, path string, hdr ...string) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for i := range n {
		resp, body := g.do(method, path, nil, hdr...)
		if resp.StatusCode != 200 {
			t.Fatalf("request %d: status %d (%s); want 200", i, resp.StatusCode, body)
		}
		counts[resp.Header.Get("X-Backend")]++
	}
	return counts
}

// vars maps backend names to their URLs for startGateway.
func vars(bs ...*backend) map[string]string {
	m := map[string]string{}
	for _, b := range bs {
		m[strings.ToUpper(b.name)] = b.URL
	}
	return m
}

// gauge reads a gauge's value.
func gauge(t *testing.T, g prometheus.Gauge) float64 {
	t.Helper()
	var m dto.Metric
	if err := g.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetGauge().GetValue()
}

// counter reads a counter's value.
func counter(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

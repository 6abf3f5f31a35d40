package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestAccessLogLinePerOutcome checks the complete access log line of a
// proxied request, a 404 and a client that disconnects (499), each
// identified by the X-Request-ID the client sent.
func TestAccessLogLinePerOutcome(t *testing.T) {
	arrived := make(chan struct{}, 1)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			arrived <- struct{}{}
			<-r.Context().Done() // answers only when the gateway gives up
			return
		}
		io.WriteString(w, "twelve bytes")
	}))
	t.Cleanup(up.Close)
	g := startGateway(t, `
services:
  - name: backend
    targets: [{url: "`+up.URL+`"}]
routes:
  - name: api
    match: {path_prefix: /api}
    strip_prefix: /api
    service: backend
`, nil)

	okResp, okBody := g.do("POST", "/api//items/../orders?token=s3cr3t", strings.NewReader("payload"),
		"X-Request-ID", "log-ok", "Host", "shop.test")
	if okResp.StatusCode != 200 || okBody != "twelve bytes" {
		t.Fatalf("proxied request: %d %q", okResp.StatusCode, okBody)
	}
	nfResp, nfBody := g.do("GET", "/missing", nil, "X-Request-ID", "log-404", "Host", "shop.test")
	if nfResp.StatusCode != 404 {
		t.Fatalf("no-route request: %d", nfResp.StatusCode)
	}

	c, err := net.Dial("tcp", g.addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(c, "DELETE /api/slow HTTP/1.1\r\nHost: shop.test\r\nX-Request-ID: log-gone\r\n\r\n")
	select {
	case <-arrived:
	case <-time.After(5 * time.Second):
		t.Fatal("the slow request never reached the upstream")
	}
	c.Close()

	byID := map[string]map[string]any{}
	waitFor(t, "three access log lines", func() bool {
		for _, l := range g.logs.lines(t) {
			if id, ok := l["request_id"].(string); ok {
				byID[id] = l
			}
		}
		return len(byID) >= 3
	})

	// trace_id: every request continues or starts a W3C trace, with or
	// without a trace exporter.
	fields := []string{"bytes_sent", "host", "latency", "level", "method", "msg", "path", "remote_addr",
		"request_id", "route", "service", "status", "timestamp", "trace_id", "upstream_latency"}
	cases := []struct {
		id       string
		want     map[string]any
		extra    []string // fields beyond the common set
		upstream bool     // the upstream was called: upstream_latency > 0
	}{
		{"log-ok", map[string]any{"method": "POST", "host": "shop.test", "path": "/api/orders", "route": "api",
			"service": "backend", "status": float64(200), "bytes_sent": float64(len(okBody))}, nil, true},
		{"log-404", map[string]any{"method": "GET", "host": "shop.test", "path": "/missing", "route": "",
			"service": "", "status": float64(404), "bytes_sent": float64(len(nfBody)), "upstream_latency": float64(0),
			"error": parseError(t, nfBody).Error}, []string{"error"}, false},
		{"log-gone", map[string]any{"method": "DELETE", "host": "shop.test", "path": "/api/slow", "route": "api",
			"service": "backend", "status": float64(499), "bytes_sent": float64(0)}, []string{"error"}, false},
	}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			l, ok := byID[c.id]
			if !ok {
				t.Fatalf("no line with request_id %q in %s", c.id, g.logs.String())
			}
			want := append(append([]string(nil), fields...), c.extra...)
			sort.Strings(want)
			var got []string
			for k := range l {
				got = append(got, k)
			}
			sort.Strings(got)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("fields %v; want %v", got, want)
			}
			for k, v := range c.want {
				if l[k] != v {
					t.Errorf("%s = %#v; want %#v", k, l[k], v)
				}
			}
			if l["remote_addr"] != "127.0.0.1" {
				t.Errorf("remote_addr = %v; want the client IP without a port", l["remote_addr"])
			}
			if _, err := time.Parse(time.RFC3339Nano, fmt.Sprint(l["timestamp"])); err != nil {
				t.Errorf("timestamp %v: %v", l["timestamp"], err)
			}
			lat, _ := l["latency"].(float64)
			up, _ := l["upstream_latency"].(float64)
			if lat <= 0 || up < 0 || up > lat {
				t.Errorf("latency %v, upstream_latency %v; want 0 <= upstream <= total, total > 0", l["latency"], l["upstream_latency"])
			}
			if e, ok := l["error"]; ok && e == "" {
				t.Errorf("error field present but empty")
			}
			if c.upstream && up <= 0 {
				t.Errorf("upstream_latency %v; want > 0 for a proxied request", l["upstream_latency"])
			}
		})
	}
	if strings.Contains(g.logs.String(), "s3cr3t") {
		t.Error("the query string reached the access log")
	}
}

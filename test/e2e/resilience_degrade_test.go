package e2e

import (
	"net/http"
	"testing"
	"time"
)

func TestFallbackResponse(t *testing.T) {
	g := startGateway(t, `
services:
  - name: checkout
    targets: [{url: "${DEAD}"}]
routes:
  - name: checkout
    match: {path_prefix: /checkout}
    service: checkout
    fallback:
      status: 503
      headers: {Retry-After: "30", X-Fallback: "1"}
      body: '{"error": "Checkout temporarily unavailable, try again"}'
  - {name: plain, match: {path_prefix: /plain}, service: checkout}
`, map[string]string{"DEAD": deadURL(t)})
	resp, body := g.do("POST", "/checkout", nil)
	if resp.StatusCode != 503 || body != `{"error": "Checkout temporarily unavailable, try again"}` {
		t.Fatalf("got %d %q; want the fallback", resp.StatusCode, body)
	}
	for k, want := range map[string]string{"Retry-After": "30", "X-Fallback": "1", "Content-Type": "application/json"} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s = %q; want %q", k, got, want)
		}
	}
	resp, body = g.do("GET", "/plain", nil)
	if resp.StatusCode != 502 {
		t.Fatalf("route without fallback: status %d; want 502", resp.StatusCode)
	}
	parseError(t, body)
}

func TestBulkheadFull(t *testing.T) {
	busy := newBackend(t, "busy")
	release := make(chan struct{})
	busy.hold.Store(&release)
	g := startGateway(t, `
services:
  - name: bulk
    targets: [{url: "${BUSY}"}]
    max_concurrent: 2
routes:
  - {name: all, match: {path_prefix: /}, service: bulk}
`, vars(busy))
	done := make(chan int, 2)
	for range 2 {
		go func() {
			resp, err := client.Get(g.url("/x"))
			if err != nil {
				done <- 0
				return
			}
			resp.Body.Close()
			done <- resp.StatusCode
		}()
	}
	waitFor(t, "two requests in the service", func() bool { return busy.hits.Load() == 2 })
	resp, body := g.do("GET", "/x", nil)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("third request: %d Retry-After %q; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	parseError(t, body)
	if got := busy.hits.Load(); got != 2 {
		t.Fatalf("service saw %d requests; want 2 (the third refused at the gateway)", got)
	}
	close(release)
	for range 2 {
		if s := <-done; s != 200 {
			t.Fatalf("held request: status %d; want 200", s)
		}
	}
	if resp, _ := g.do("GET", "/x", nil); resp.StatusCode != 200 {
		t.Fatalf("after the slots freed: status %d; want 200", resp.StatusCode)
	}
}

func TestRouteTimeouts(t *testing.T) {
	slow := newBackend(t, "slow")
	slow.delay.Store(int64(5 * time.Second))
	g := startGateway(t, `
services:
  - name: slowsvc
    targets: [{url: "${SLOW}"}]
routes:
  - name: header
    match: {path_prefix: /header}
    service: slowsvc
    timeouts: {connect: 1s, response_header: 100ms}
  - name: overall
    match: {path_prefix: /overall}
    service: slowsvc
    timeouts: {overall: 100ms}
    retries: {attempts: 3, per_try_timeout: 1s}
`, vars(slow))
	for _, path := range []string{"/header", "/overall"} {
		t.Run(path, func(t *testing.T) {
			resp, body := g.do("GET", path, nil)
			if resp.StatusCode != http.StatusGatewayTimeout {
				t.Fatalf("status %d (%s); want 504", resp.StatusCode, body)
			}
			parseError(t, body)
		})
	}
}

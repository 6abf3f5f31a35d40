package e2e

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/gatehouse/gatehouse/internal/metrics"
)

// TestCircuitBreaker: after 3 failures the breaker opens and the dead
// service's hit counter stops rising; after open_duration one probe goes
// through; a failed probe opens it again, a good one closes it.
func TestCircuitBreaker(t *testing.T) {
	svc := newBackend(t, "svc")
	svc.status.Store(http.StatusInternalServerError)
	g := startGateway(t, `
services:
  - name: cb
    targets: [{url: "${SVC}"}]
    circuit_breaker: {consecutive_failures: 3, open_duration: 200ms, half_open_requests: 1}
routes:
  - {name: all, match: {path_prefix: /}, service: cb}
`, vars(svc))
	state := func() float64 { return gauge(t, metrics.CircuitBreakerState.WithLabelValues("cb")) }

	for i := range 3 {
		if resp, _ := g.do("GET", "/x", nil); resp.StatusCode != 500 {
			t.Fatalf("request %d: status %d; want the service's 500", i, resp.StatusCode)
		}
	}
	if state() != 2 {
		t.Fatalf("breaker state = %v after 3 failures; want 2 (open)", state())
	}
	assertFailFast := func(t *testing.T, n int) {
		t.Helper()
		hits := svc.hits.Load()
		for range n {
			resp, body := g.do("GET", "/x", nil)
			if resp.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("status %d (%s); want 503 from the open breaker", resp.StatusCode, body)
			}
			parseError(t, body)
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 1 {
				t.Fatalf("Retry-After = %q; want whole seconds", resp.Header.Get("Retry-After"))
			}
		}
		if got := svc.hits.Load(); got != hits {
			t.Fatalf("service hit %d times while the breaker was open; want 0", got-hits)
		}
	}
	t.Run("open fails fast", func(t *testing.T) { assertFailFast(t, 5) })

	t.Run("failed probe reopens", func(t *testing.T) {
		hits := svc.hits.Load()
		waitFor(t, "a probe to reach the service", func() bool {
			g.do("GET", "/x", nil)
			return svc.hits.Load() > hits
		})
		if got := svc.hits.Load() - hits; got != 1 {
			t.Fatalf("%d probes reached the service; want 1", got)
		}
		if state() != 2 {
			t.Fatalf("state = %v after a failed probe; want 2 (open)", state())
		}
		assertFailFast(t, 3)
	})

	t.Run("good probe closes", func(t *testing.T) {
		svc.status.Store(0)
		waitFor(t, "the breaker to let a probe through", func() bool {
			resp, _ := g.do("GET", "/x", nil)
			return resp.StatusCode == 200
		})
		if state() != 0 {
			t.Fatalf("state = %v after a good probe; want 0 (closed)", state())
		}
		hits := svc.hits.Load()
		for i := range 5 {
			if resp, _ := g.do("GET", "/x", nil); resp.StatusCode != 200 {
				t.Fatalf("request %d after closing: status %d; want 200", i, resp.StatusCode)
			}
		}
		if got := svc.hits.Load() - hits; got != 5 {
			t.Fatalf("service got %d of 5 requests once closed", got)
		}
	})
}

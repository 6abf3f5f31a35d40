package e2e

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/metrics"
)

// TestSlowTargetPerTryTimeout: a try on the slow target times out and the
// retry lands on the fast one, so every client request succeeds.
func TestSlowTargetPerTryTimeout(t *testing.T) {
	slow, fast := newBackend(t, "slow"), newBackend(t, "fast")
	slow.delay.Store(int64(5 * time.Second))
	g := startGateway(t, `
services:
  - name: pertry
    targets: [{url: "${SLOW}"}, {url: "${FAST}"}]
    retries: {attempts: 2, per_try_timeout: 100ms, backoff: {base: 1ms}}
routes:
  - {name: all, match: {path_prefix: /}, service: pertry}
`, vars(slow, fast))
	retries := metrics.UpstreamRetries.WithLabelValues("pertry")
	before := counter(t, retries)
	counts := g.countBy(t, 6, "GET", "/x")
	if counts["fast"] != 6 {
		t.Fatalf("counts = %v; want all 6 answered by fast", counts)
	}
	// Every try on slow timed out and became exactly one retry.
	slowTries := slow.hits.Load()
	if slowTries == 0 {
		t.Fatal("slow target got no tries; the test proves nothing")
	}
	if got := counter(t, retries) - before; got != float64(slowTries) {
		t.Fatalf("retries metric rose by %v; want %d (one per timed-out try)", got, slowTries)
	}
}

func TestRetryMethodsAndStatuses(t *testing.T) {
	a, b := newBackend(t, "a"), newBackend(t, "b")
	a.status.Store(http.StatusServiceUnavailable)
	b.status.Store(http.StatusServiceUnavailable)
	g := startGateway(t, `
services:
  - name: methods
    targets: [{url: "${A}"}, {url: "${B}"}]
    retries: {attempts: 2, backoff: {base: 1ms}, replay_buffer_bytes: 16}
routes:
  - {name: all, match: {path_prefix: /}, service: methods}
`, vars(a, b))
	hits := func() int64 { return a.hits.Load() + b.hits.Load() }
	tests := []struct {
		name     string
		method   string
		body     string
		wantHits int64
	}{
		{"GET 503 is retried", "GET", "", 2},
		{"PUT 503 is retried with its body", "PUT", "small", 2},
		{"POST 503 is not retried once sent", "POST", "order", 1},
		{"PUT with a body over the replay buffer is not retried", "PUT", strings.Repeat("x", 64), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := hits()
			resp, body := g.do(tt.method, "/x", strings.NewReader(tt.body))
			if resp.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("status %d; want the upstream's 503", resp.StatusCode)
			}
			if !strings.HasSuffix(body, ":"+tt.body) {
				t.Errorf("body %q; want the upstream to have got %q", body, tt.body)
			}
			if got := hits() - before; got != tt.wantHits {
				t.Errorf("upstream tries = %d; want %d", got, tt.wantHits)
			}
		})
	}
}

// TestPostRetriedOnlyWhenNeverSent: a POST whose first try found no
// listener is retried (the service never saw it) and arrives whole.
func TestPostRetriedOnlyWhenNeverSent(t *testing.T) {
	live := newBackend(t, "live")
	g := startGateway(t, `
services:
  - name: refused
    targets: [{url: "${DEAD}"}, {url: "${LIVE}"}]
    retries: {attempts: 2, backoff: {base: 1ms}}
routes:
  - {name: all, match: {path_prefix: /}, service: refused}
`, map[string]string{"DEAD": deadURL(t), "LIVE": live.URL})
	for i := range 4 {
		resp, body := g.do("POST", "/orders", strings.NewReader("order-body"))
		if resp.StatusCode != 200 || body != "live:order-body" {
			t.Fatalf("POST %d: %d %q; want 200 %q", i, resp.StatusCode, body, "live:order-body")
		}
	}
	if got := live.hits.Load(); got != 4 {
		t.Fatalf("live target got %d POSTs; want exactly 4 (no duplicates)", got)
	}
}

// TestRetryBudgetCapsAmplification: during a total outage each request
// would be tried 5 times; the budget keeps the retries to a small share.
func TestRetryBudgetCapsAmplification(t *testing.T) {
	const clients, perClient = 16, 8
	run := func(t *testing.T, budget string) (requests, tries int64) {
		down := newBackend(t, "down")
		down.status.Store(http.StatusServiceUnavailable)
		down.delay.Store(int64(10 * time.Millisecond))
		g := startGateway(t, `
services:
  - name: outage
    targets: [{url: "${DOWN}"}]
    retries: {attempts: 5, backoff: {base: 1ms, max: 2ms}}
    retry_budget: `+budget+`
routes:
  - {name: all, match: {path_prefix: /}, service: outage}
`, vars(down))
		var wg sync.WaitGroup
		for range clients {
			wg.Go(func() {
				for range perClient {
					req, _ := http.NewRequest("GET", g.url("/x"), nil)
					resp, err := client.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					resp.Body.Close()
					if resp.StatusCode != http.StatusServiceUnavailable {
						t.Errorf("status %d; want 503", resp.StatusCode)
					}
				}
			})
		}
		wg.Wait()
		return clients * perClient, down.hits.Load()
	}
	t.Run("without a budget every request is tried 5 times", func(t *testing.T) {
		requests, tries := run(t, "{percent: 100, min_concurrency: 1000}")
		if tries != 5*requests {
			t.Fatalf("tries = %d; want %d", tries, 5*requests)
		}
	})
	t.Run("a 20% budget caps the retries", func(t *testing.T) {
		requests, tries := run(t, "{percent: 20, min_concurrency: 1}")
		t.Logf("%d tries for %d requests (%.2f per request)", tries, requests, float64(tries)/float64(requests))
		// At most 20% of the 16 requests in flight (3) may be retries at
		// once, against 16 first tries: well under 2 tries per request.
		if tries >= 2*requests {
			t.Fatalf("tries = %d for %d requests; want fewer than %d", tries, requests, 2*requests)
		}
		if tries <= requests {
			t.Fatalf("tries = %d for %d requests; want some retries within the budget", tries, requests)
		}
	})
}

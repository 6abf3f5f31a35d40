package e2e

import (
	"net/http"
	"testing"

	"github.com/gatehouse/gatehouse/internal/metrics"
)

func TestActiveHealthChecks(t *testing.T) {
	a, b := newBackend(t, "a"), newBackend(t, "b")
	g := startGateway(t, `
services:
  - name: hc
    targets: [{url: "${A}"}, {url: "${B}"}]
    health_check: {path: /healthz, interval: 20ms, timeout: 20ms, healthy_threshold: 2, unhealthy_threshold: 2}
routes:
  - {name: all, match: {path_prefix: /}, service: hc}
`, vars(a, b))
	healthy := func(bk *backend) float64 {
		return gauge(t, metrics.UpstreamTargetHealthy.WithLabelValues("hc", bk.URL))
	}

	a.health.Store(http.StatusServiceUnavailable)
	waitFor(t, "a taken out of rotation", func() bool { return healthy(a) == 0 })
	hitsA := a.hits.Load()
	if counts := g.countBy(t, 20, "GET", "/x"); counts["b"] != 20 {
		t.Fatalf("with a failing its checks, counts = %v; want all 20 on b", counts)
	}
	if got := a.hits.Load(); got != hitsA {
		t.Fatalf("a got %d requests while out of rotation", got-hitsA)
	}

	a.health.Store(0)
	waitFor(t, "a back in rotation", func() bool { return healthy(a) == 1 })
	if counts := g.countBy(t, 20, "GET", "/x"); counts["a"] != 10 || counts["b"] != 10 {
		t.Fatalf("with both healthy again, counts = %v; want 10 and 10", counts)
	}

	t.Run("no healthy target", func(t *testing.T) {
		a.health.Store(http.StatusInternalServerError)
		b.health.Store(http.StatusInternalServerError)
		waitFor(t, "both out of rotation", func() bool { return healthy(a) == 0 && healthy(b) == 0 })
		resp, body := g.do("GET", "/x", nil)
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("status %d (%s); want 503", resp.StatusCode, body)
		}
		if e := parseError(t, body); e.Error != "no healthy upstream" {
			t.Errorf("error = %q; want %q", e.Error, "no healthy upstream")
		}
		if resp.Header.Get("Retry-After") == "" {
			t.Error("no Retry-After on 503")
		}
	})
}

// TestKilledTargetEjected kills one of three targets mid-test: the client
// sees no error (connect failures are retried elsewhere) and outlier
// detection takes the dead target out.
func TestKilledTargetEjected(t *testing.T) {
	a, b, c := newBackend(t, "a"), newBackend(t, "b"), newBackend(t, "c")
	g := startGateway(t, `
services:
  - name: eject
    targets: [{url: "${A}"}, {url: "${B}"}, {url: "${C}"}]
    outlier_detection: {consecutive_failures: 2, base_ejection_time: 1m, max_ejection_percent: 50}
    retries: {attempts: 3, backoff: {base: 1ms}}
routes:
  - {name: all, match: {path_prefix: /}, service: eject}
`, vars(a, b, c))
	before := g.countBy(t, 30, "GET", "/x")
	if before["a"] != 10 || before["b"] != 10 || before["c"] != 10 {
		t.Fatalf("before: counts = %v; want 10 each", before)
	}
	c.Close()
	for _, method := range []string{"GET", "POST"} {
		counts := g.countBy(t, 30, method, "/x") // fails the test on any non-200
		if counts["c"] != 0 {
			t.Fatalf("%s: dead target answered %d", method, counts["c"])
		}
	}
	if v := gauge(t, metrics.UpstreamTargetHealthy.WithLabelValues("eject", c.URL)); v != 0 {
		t.Fatalf("dead target healthy gauge = %v; want 0 (ejected)", v)
	}
	if v := gauge(t, metrics.UpstreamTargetHealthy.WithLabelValues("eject", a.URL)); v != 1 {
		t.Fatalf("live target healthy gauge = %v; want 1", v)
	}
}

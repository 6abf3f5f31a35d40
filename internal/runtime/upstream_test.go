package runtime

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/statepool"
)

func buildFrom(t *testing.T, pool *statepool.Pool, yaml string) *Runtime {
	t.Helper()
	cfg, err := config.Parse([]byte(yaml), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rt, err := Build(cfg, "test.yaml", Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), State: pool})
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

// TestUpstreamStateSurvivesReload: an unchanged service keeps its
// upstream (health, breaker, ejections, in-flight counts) and its health
// checks keep running; a changed one gets fresh state and the old checks
// stop.
func TestUpstreamStateSurvivesReload(t *testing.T) {
	checks := make(chan struct{}, 100)
	u := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			select {
			case checks <- struct{}{}:
			default:
			}
		}
	}))
	defer u.Close()
	cfg := func(routeName, extra string) string {
		return `
services:
  - name: s
    targets: [{url: "` + u.URL + `"}` + extra + `]
    health_check: {path: /healthz, interval: 10ms, timeout: 10ms}
    circuit_breaker: {consecutive_failures: 1}
routes:
  - {name: ` + routeName + `, match: {path_prefix: /}, service: s}
`
	}
	pool := statepool.New()
	rt1 := buildFrom(t, pool, cfg("a", ""))
	rt1.CommitState()
	up1 := rt1.services["s"].Upstream()
	up1.Breaker.Allow()
	up1.Breaker.Record(false, false) // open it: state to carry over

	// A route change leaves the service alone.
	rt2 := buildFrom(t, pool, cfg("b", ""))
	rt2.CommitState()
	rt1.Close()
	up2 := rt2.services["s"].Upstream()
	if up2 != up1 {
		t.Fatal("unchanged service got a new upstream")
	}
	if got := up2.Breaker.State().String(); got != "open" {
		t.Fatalf("breaker state after reload = %s; want open (kept)", got)
	}
	drain(checks)
	waitChecks(t, checks, "health checks to keep running after the old runtime closed")

	// A target change gives fresh state; the old checker stops.
	rt3 := buildFrom(t, pool, cfg("b", `, {url: "http://127.0.0.1:1"}`))
	rt3.CommitState()
	rt2.Close()
	up3 := rt3.services["s"].Upstream()
	if up3 == up2 {
		t.Fatal("changed targets kept the old upstream")
	}
	if got := up3.Breaker.State().String(); got != "closed" {
		t.Fatalf("new upstream breaker = %s; want closed", got)
	}
	rt3.Close()
	// A check sent just before Close may still be answered: let it land.
	time.Sleep(30 * time.Millisecond)
	drain(checks)
	time.Sleep(50 * time.Millisecond) // five intervals: any live checker would run
	if n := len(checks); n != 0 {
		t.Fatalf("%d health checks ran after every runtime closed; want 0", n)
	}
}

func drain(c chan struct{}) {
	for len(c) > 0 {
		<-c
	}
}

func waitChecks(t *testing.T, c chan struct{}, what string) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

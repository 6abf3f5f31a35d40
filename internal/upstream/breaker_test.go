package upstream

import (
	"testing"
	"time"
)

func TestBreakerConsecutiveFailures(t *testing.T) {
	clk := newFakeClock()
	var changes []BreakerState
	b := NewBreaker(BreakerSettings{ConsecutiveFailures: 3, OpenFor: 10 * time.Second, HalfOpenProbes: 2}, clk,
		func(s BreakerState) { changes = append(changes, s) })

	steps := []struct {
		name      string
		advance   time.Duration
		outcome   *bool // nil: only ask
		wantAllow bool
		wantState BreakerState
	}{
		{"closed lets through", 0, ptr(false), true, Closed},
		{"second failure", 0, ptr(false), true, Closed},
		{"success resets the streak", 0, ptr(true), true, Closed},
		{"failure 1", 0, ptr(false), true, Closed},
		{"failure 2", 0, ptr(false), true, Closed},
		{"failure 3 opens", 0, ptr(false), true, Open},
		{"open refuses", time.Second, nil, false, Open},
		{"still open just before the end", 8 * time.Second, nil, false, Open},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			clk.Advance(s.advance)
			ok, probe, _ := b.Allow()
			if ok != s.wantAllow {
				t.Fatalf("Allow = %v; want %v", ok, s.wantAllow)
			}
			if ok && s.outcome != nil {
				b.Record(probe, *s.outcome)
			}
			if got := b.State(); got != s.wantState {
				t.Fatalf("state = %v; want %v", got, s.wantState)
			}
		})
	}
	_, _, retry := b.Allow()
	if retry != time.Second {
		t.Fatalf("retry after = %v; want 1s left of the open time", retry)
	}

	clk.Advance(time.Second)
	ok1, p1, _ := b.Allow()
	ok2, p2, _ := b.Allow()
	ok3, _, _ := b.Allow()
	if !ok1 || !p1 || !ok2 || !p2 || ok3 {
		t.Fatalf("half-open allows = %v/%v %v/%v %v; want two probes, then refusal", ok1, p1, ok2, p2, ok3)
	}
	if b.State() != HalfOpen {
		t.Fatalf("state = %v; want half_open", b.State())
	}
	b.Record(true, true)
	if b.State() != HalfOpen {
		t.Fatalf("one of two probes closed the breaker")
	}
	b.Record(true, true)
	if b.State() != Closed {
		t.Fatalf("state = %v after both probes succeeded; want closed", b.State())
	}
	want := []BreakerState{Open, HalfOpen, Closed}
	if len(changes) != len(want) {
		t.Fatalf("changes = %v; want %v", changes, want)
	}
	for i := range want {
		if changes[i] != want[i] {
			t.Fatalf("changes = %v; want %v", changes, want)
		}
	}
}

func TestBreakerProbeFailureReopens(t *testing.T) {
	clk := newFakeClock()
	b := NewBreaker(BreakerSettings{ConsecutiveFailures: 1, OpenFor: 5 * time.Second}, clk, nil)
	b.Allow()
	b.Record(false, false)
	if b.State() != Open {
		t.Fatalf("state = %v; want open", b.State())
	}
	clk.Advance(5 * time.Second)
	ok, probe, _ := b.Allow()
	if !ok || !probe {
		t.Fatalf("Allow after open time = %v probe %v; want a probe", ok, probe)
	}
	b.Record(true, false)
	if b.State() != Open {
		t.Fatalf("state = %v after a failed probe; want open", b.State())
	}
	if ok, _, after := b.Allow(); ok || after != 5*time.Second {
		t.Fatalf("Allow = %v, retry after %v; want refused for the full 5s again", ok, after)
	}
}

func TestBreakerFailureRate(t *testing.T) {
	clk := newFakeClock()
	b := NewBreaker(BreakerSettings{FailureRatePercent: 50, Window: 10 * time.Second, MinRequests: 10, OpenFor: time.Second}, clk, nil)
	// 4 failures among 8: half, but under the minimum count.
	for i := range 8 {
		b.Allow()
		b.Record(false, i%2 == 0)
	}
	if b.State() != Closed {
		t.Fatalf("opened below min_requests")
	}
	// Old results leave the window.
	clk.Advance(11 * time.Second)
	for i := range 9 {
		b.Allow()
		b.Record(false, i < 5) // 5 successes, then 4 failures
	}
	if b.State() != Closed {
		t.Fatalf("opened with 9 requests in the window; min is 10")
	}
	b.Allow()
	b.Record(false, false) // 5 of 10 failed: 50%
	if b.State() != Open {
		t.Fatalf("state = %v at 50%% failures over 10 requests; want open", b.State())
	}
}

func ptr[T any](v T) *T { return &v }

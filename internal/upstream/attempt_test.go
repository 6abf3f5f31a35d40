package upstream

import (
	"errors"
	"testing"
	"time"
)

func newTestUpstream(t *testing.T, clk *fakeClock, s Settings, n int) *Upstream {
	t.Helper()
	ws := make([]int, n)
	for i := range ws {
		ws[i] = 1
	}
	s.Clock = clk
	if s.RetryBudgetPercent == 0 && s.RetryMinConcurrency == 0 {
		s.RetryMinConcurrency = 10
	}
	u, err := New(mustTargets(ws...), s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func retryOn503(attempts int) *RetryPolicy {
	p := &RetryPolicy{Attempts: attempts, OnConnectFailure: true, OnReset: true,
		Backoff: Backoff{Base: 10 * time.Millisecond, Max: 40 * time.Millisecond, Rand: func(n int64) int64 { return n - 1 }}}
	p.SetStatus(503)
	p.SetMethods([]string{"GET"})
	return p
}

func TestAttemptRetriesElsewhereWithBackoff(t *testing.T) {
	u := newTestUpstream(t, newFakeClock(), Settings{}, 3)
	var a Attempt
	if err := u.Start(&a, "GET", 0, retryOn503(3)); err != nil {
		t.Fatal(err)
	}
	a.Replayable = true
	seen := map[*Target]bool{}
	wantDelay := []time.Duration{10*time.Millisecond - 1, 20*time.Millisecond - 1}
	for i := 0; ; i++ {
		tg, err := a.Next()
		if err != nil {
			t.Fatal(err)
		}
		if seen[tg] {
			t.Fatalf("try %d went to a target already tried", i+1)
		}
		seen[tg] = true
		if tg.InFlight() != 1 {
			t.Fatalf("try %d: target in flight %d; want 1", i+1, tg.InFlight())
		}
		retry, delay := a.Report(Outcome{Status: 503})
		if !retry {
			break
		}
		if tg.InFlight() != 0 {
			t.Fatalf("a retried try still counts in flight")
		}
		if delay != wantDelay[i] {
			t.Fatalf("backoff before try %d = %v; want %v", i+2, delay, wantDelay[i])
		}
	}
	if a.Tries() != 3 {
		t.Fatalf("%d tries; want 3", a.Tries())
	}
	a.End()
	for tg := range seen {
		if tg.InFlight() != 0 {
			t.Fatal("End left a target in flight")
		}
	}
	if u.Budget.requests.Load() != 0 || u.Budget.retries.Load() != 0 {
		t.Fatalf("budget not given back: %d requests, %d retries", u.Budget.requests.Load(), u.Budget.retries.Load())
	}
}

func TestAttemptNoRetryWithoutReplayOrForOtherMethods(t *testing.T) {
	u := newTestUpstream(t, newFakeClock(), Settings{}, 2)
	for _, tc := range []struct {
		method     string
		replayable bool
		o          Outcome
	}{
		{"GET", false, Outcome{Status: 503}},
		{"POST", true, Outcome{Status: 503}},
		{"POST", true, Outcome{Failure: Reset}},
		{"GET", true, Outcome{Status: 503, Final: true}},
		{"GET", true, Outcome{Failure: Reset, ClientFault: true}},
	} {
		var a Attempt
		u.Start(&a, tc.method, 0, retryOn503(3))
		a.Replayable = tc.replayable
		a.Next()
		if retry, _ := a.Report(tc.o); retry {
			t.Errorf("%s replayable=%v %+v: retried", tc.method, tc.replayable, tc.o)
		}
		a.End()
	}
	// A connect failure never reached the service: any method retries.
	var a Attempt
	u.Start(&a, "POST", 0, retryOn503(3))
	a.Replayable = true
	a.Next()
	if retry, _ := a.Report(Outcome{Failure: ConnectFailure}); !retry {
		t.Error("a POST whose connect failed was not retried")
	}
	a.End()
}

// TestAttemptClientFaultsBlameNoOne: a try that failed because of the
// client leaves the breaker closed and no target ejected, however often.
func TestAttemptClientFaultsBlameNoOne(t *testing.T) {
	clk := newFakeClock()
	u := newTestUpstream(t, clk, Settings{
		Breaker: &BreakerSettings{ConsecutiveFailures: 2, OpenFor: time.Minute, HalfOpenProbes: 1},
		Outlier: &OutlierSettings{ConsecutiveFailures: 3, BaseEjection: time.Minute, MaxEjection: time.Minute, MaxEjectedPercent: 100},
	}, 1)
	for range 10 {
		var a Attempt
		if err := u.Start(&a, "POST", 0, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Next(); err != nil {
			t.Fatalf("after client faults: %v", err)
		}
		a.Report(Outcome{Failure: Reset, ClientFault: true})
		a.End()
	}
	if st := u.Breaker.State(); st != Closed {
		t.Fatalf("breaker %v after client faults; want closed", st)
	}
	if u.Targets()[0].Ejected(clk.Now()) {
		t.Fatal("target ejected after client faults")
	}
	// The same failures blamed on the service open the breaker.
	for range 2 {
		var a Attempt
		u.Start(&a, "POST", 0, nil)
		a.Next()
		a.Report(Outcome{Failure: Reset})
		a.End()
	}
	var a Attempt
	u.Start(&a, "GET", 0, nil)
	_, err := a.Next()
	var open *CircuitOpenError
	if !errors.As(err, &open) || open.Wait != time.Minute {
		t.Fatalf("after service failures: %v; want circuit open for 1m", err)
	}
	a.End()
	clk.Advance(time.Minute)
	u.Start(&a, "GET", 0, nil)
	if _, err := a.Next(); err != nil {
		t.Fatalf("after OpenFor: %v; want a probe", err)
	}
	a.Report(Outcome{Status: 200})
	a.End()
	if st := u.Breaker.State(); st != Closed {
		t.Fatalf("breaker %v after a good probe; want closed", st)
	}
}

func TestAttemptBulkheadAndBudget(t *testing.T) {
	u := newTestUpstream(t, newFakeClock(), Settings{MaxConcurrent: 1, RetryBudgetPercent: 0, RetryMinConcurrency: 0}, 2)
	u.Budget.MinConcurrency = 0
	var a, b Attempt
	if err := u.Start(&a, "GET", 0, retryOn503(2)); err != nil {
		t.Fatal(err)
	}
	if err := u.Start(&b, "GET", 0, nil); err != ErrFull {
		t.Fatalf("second request at a limit of 1: %v; want ErrFull", err)
	}
	a.Replayable = true
	a.Next()
	if retry, _ := a.Report(Outcome{Status: 503}); retry {
		t.Fatal("retried with an empty retry budget")
	}
	a.End()
	a.End() // twice is harmless
	if err := u.Start(&b, "GET", 0, nil); err != nil {
		t.Fatalf("after End: %v", err)
	}
	b.End()
}

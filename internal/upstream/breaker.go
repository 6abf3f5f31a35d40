package upstream

import (
	"sync"
	"sync/atomic"
	"time"
)

// BreakerState is where a circuit breaker stands; the values are those of
// the gateway_circuit_breaker_state metric.
type BreakerState int32

// Breaker states.
const (
	Closed   BreakerState = 0
	HalfOpen BreakerState = 1
	Open     BreakerState = 2
)

func (s BreakerState) String() string {
	switch s {
	case HalfOpen:
		return "half_open"
	case Open:
		return "open"
	}
	return "closed"
}

// BreakerSettings configure a circuit breaker. A zero threshold turns that
// trigger off.
type BreakerSettings struct {
	// ConsecutiveFailures opens the breaker after this many failures in a row.
	ConsecutiveFailures int
	// FailureRatePercent opens it when at least this share of the requests
	// in Window failed, once MinRequests were seen there.
	FailureRatePercent int
	Window             time.Duration
	MinRequests        int
	// OpenFor is how long the breaker stays open before letting probes in.
	OpenFor time.Duration
	// HalfOpenProbes is how many requests may probe at once, and how many
	// must succeed to close the breaker again.
	HalfOpenProbes int
}

// windowBuckets is the resolution of the failure-rate window.
const windowBuckets = 10

// Breaker is one service's circuit breaker. Closed, it lets everything
// through and counts failures; open, it refuses everything until OpenFor
// passed; half-open, it lets HalfOpenProbes requests through and closes
// when they all succeed or opens again on the first failure.
//
// Allow in the closed state is one atomic load. Record takes the
// breaker's own (per-service) lock only when something must be counted.
type Breaker struct {
	s        BreakerSettings
	clock    Clock
	onChange func(BreakerState)

	state       atomic.Int32
	consecutive atomic.Int32

	mu        sync.Mutex
	openUntil time.Time
	probes    int // in flight
	successes int // probes that succeeded
	buckets   [windowBuckets]rateBucket
}

type rateBucket struct {
	epoch           int64 // which slice of time the counts belong to
	total, failures int
}

// NewBreaker returns a closed breaker. onChange (may be nil) hears every
// state change.
func NewBreaker(s BreakerSettings, clock Clock, onChange func(BreakerState)) *Breaker {
	if clock == nil {
		clock = SystemClock
	}
	if s.HalfOpenProbes < 1 {
		s.HalfOpenProbes = 1
	}
	if s.Window <= 0 {
		s.Window = 10 * time.Second
	}
	return &Breaker{s: s, clock: clock, onChange: onChange}
}

// State is the current state (an open breaker whose time is up still
// reads open until the next Allow).
func (b *Breaker) State() BreakerState { return BreakerState(b.state.Load()) }

// Allow asks to send one request. ok false means fail fast; retryAfter
// then says when to try again. probe true means the request is a
// half-open probe and its Record must say so.
func (b *Breaker) Allow() (ok, probe bool, retryAfter time.Duration) {
	if BreakerState(b.state.Load()) == Closed {
		return true, false, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock.Now()
	switch BreakerState(b.state.Load()) {
	case Closed:
		return true, false, 0
	case Open:
		if now.Before(b.openUntil) {
			return false, false, b.openUntil.Sub(now)
		}
		b.setState(HalfOpen)
		b.probes, b.successes = 0, 0
	}
	if b.probes >= b.s.HalfOpenProbes {
		return false, false, time.Second
	}
	b.probes++
	return true, true, 0
}

// Record reports the outcome of a request Allow let through.
func (b *Breaker) Record(probe, success bool) {
	if probe {
		b.recordProbe(success)
		return
	}
	if BreakerState(b.state.Load()) != Closed {
		return // a straggler from before the breaker opened
	}
	if success && b.s.FailureRatePercent == 0 {
		if b.consecutive.Load() != 0 {
			b.consecutive.Store(0)
		}
		return
	}
	trip := false
	if success {
		b.consecutive.Store(0)
	} else if n := b.consecutive.Add(1); b.s.ConsecutiveFailures > 0 && int(n) >= b.s.ConsecutiveFailures {
		trip = true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.s.FailureRatePercent > 0 && b.countWindow(success) {
		trip = true
	}
	if trip && BreakerState(b.state.Load()) == Closed {
		b.open()
	}
}

// Release gives back a request Allow let through whose outcome says
// nothing about the service (the client went away).
func (b *Breaker) Release(probe bool) {
	if !probe {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if BreakerState(b.state.Load()) == HalfOpen && b.probes > 0 {
		b.probes--
	}
}

func (b *Breaker) recordProbe(success bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if BreakerState(b.state.Load()) != HalfOpen {
		return
	}
	b.probes--
	if !success {
		b.open()
		return
	}
	b.successes++
	if b.successes >= b.s.HalfOpenProbes {
		b.consecutive.Store(0)
		b.buckets = [windowBuckets]rateBucket{}
		b.setState(Closed)
	}
}

// countWindow adds one outcome to the sliding window and reports whether
// the failure rate is now over the threshold. Caller holds mu.
func (b *Breaker) countWindow(success bool) bool {
	slice := b.s.Window / windowBuckets
	if slice <= 0 {
		slice = 1
	}
	epoch := b.clock.Now().UnixNano() / int64(slice)
	bk := &b.buckets[epoch%windowBuckets]
	if bk.epoch != epoch {
		*bk = rateBucket{epoch: epoch}
	}
	bk.total++
	if !success {
		bk.failures++
	}
	total, failures := 0, 0
	for _, x := range b.buckets {
		if epoch-x.epoch < windowBuckets {
			total += x.total
			failures += x.failures
		}
	}
	return total >= b.s.MinRequests && total > 0 && failures*100 >= b.s.FailureRatePercent*total
}

// open trips the breaker. Caller holds mu.
func (b *Breaker) open() {
	b.openUntil = b.clock.Now().Add(b.s.OpenFor)
	b.probes, b.successes = 0, 0
	b.setState(Open)
}

func (b *Breaker) setState(s BreakerState) {
	if BreakerState(b.state.Swap(int32(s))) != s && b.onChange != nil {
		b.onChange(s)
	}
}

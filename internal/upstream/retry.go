package upstream

import (
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// Backoff is exponential backoff with full jitter: the n-th retry (n from
// 1) waits a random time in [0, min(Max, Base·2^(n-1))). Full jitter
// spreads retries of many clients that failed together.
type Backoff struct {
	Base, Max time.Duration
	// Rand returns a value in [0, n); nil is math/rand/v2.
	Rand func(n int64) int64
}

// Delay is the wait before retry n (1 for the first retry).
func (b Backoff) Delay(n int) time.Duration {
	if b.Base <= 0 || n < 1 {
		return 0
	}
	ceil := b.Base
	for i := 1; i < n && ceil < b.Max; i++ {
		ceil *= 2
	}
	if b.Max > 0 && ceil > b.Max {
		ceil = b.Max
	}
	rnd := b.Rand
	if rnd == nil {
		rnd = rand.Int64N
	}
	return time.Duration(rnd(int64(ceil)))
}

// Budget keeps retries a bounded share of the requests in flight, as
// Envoy's retry_budget does: a retry may start while active retries are
// below max(MinConcurrency, Percent% of active requests). During an
// outage every request fails, and without a budget each one would turn
// into Attempts requests against a service that is already down.
type Budget struct {
	Percent        int
	MinConcurrency int

	requests atomic.Int64
	retries  atomic.Int64
}

// Start counts a request in flight; call Done when it ends.
func (b *Budget) Start() { b.requests.Add(1) }

// Done ends what Start began.
func (b *Budget) Done() { b.requests.Add(-1) }

// TryRetry reserves a retry; false means the budget is spent. A granted
// retry is given back with RetryDone.
func (b *Budget) TryRetry() bool {
	allowed := max(int64(b.MinConcurrency), b.requests.Load()*int64(b.Percent)/100)
	if b.retries.Add(1) > allowed {
		b.retries.Add(-1)
		return false
	}
	return true
}

// RetryDone returns a retry TryRetry granted.
func (b *Budget) RetryDone() { b.retries.Add(-1) }

// Bulkhead caps the requests in flight to one service, so one slow
// service cannot take every connection and goroutine of the gateway.
type Bulkhead struct {
	max int64
	n   atomic.Int64
}

// NewBulkhead allows max requests at once; max <= 0 is no limit (nil).
func NewBulkhead(max int) *Bulkhead {
	if max <= 0 {
		return nil
	}
	return &Bulkhead{max: int64(max)}
}

// Acquire takes a slot; false means the service is full. A nil Bulkhead
// always has room.
func (b *Bulkhead) Acquire() bool {
	if b == nil {
		return true
	}
	if b.n.Add(1) > b.max {
		b.n.Add(-1)
		return false
	}
	return true
}

// Release gives a slot back.
func (b *Bulkhead) Release() {
	if b != nil {
		b.n.Add(-1)
	}
}

// InFlight is the number of slots taken.
func (b *Bulkhead) InFlight() int64 {
	if b == nil {
		return 0
	}
	return b.n.Load()
}

// RetryPolicy is a route's retry settings, compiled.
type RetryPolicy struct {
	// Attempts is the most tries, the first included (1: no retries).
	Attempts int
	// PerTry bounds each try until response headers; 0 is no bound.
	PerTry  time.Duration
	Backoff Backoff
	// Conditions (Envoy's retry_on).
	OnConnectFailure, OnReset, OnTimeout bool
	// statuses[code-100] says a status is retried.
	statuses [500]bool
	// methods that may be retried once sent.
	methods []string
	// ReplayLimit is the largest body kept for replay.
	ReplayLimit int64
}

// NoRetries is the policy of a route without one.
var NoRetries = &RetryPolicy{Attempts: 1}

// SetStatus marks code as retried.
func (p *RetryPolicy) SetStatus(code int) {
	if code >= 100 && code < 600 {
		p.statuses[code-100] = true
	}
}

// RetryStatus reports whether a response with code may be retried.
func (p *RetryPolicy) RetryStatus(code int) bool {
	return code >= 100 && code < 600 && p.statuses[code-100]
}

// SetMethods sets the methods retried once sent.
func (p *RetryPolicy) SetMethods(ms []string) { p.methods = ms }

// RetryMethod reports whether a request with method m may be retried
// after it may have reached the service.
func (p *RetryPolicy) RetryMethod(m string) bool {
	for _, x := range p.methods {
		if x == m {
			return true
		}
	}
	return false
}

// Failure is how an attempt went wrong, for the retry decision.
type Failure int

// Failures.
const (
	// NoFailure: a response arrived (its status may still be retried).
	NoFailure Failure = iota
	// ConnectFailure: no connection, so the request never reached the
	// service.
	ConnectFailure
	// Reset: the connection failed after the request may have been sent.
	Reset
	// Timeout: the per-try (or connect/header) timeout fired.
	Timeout
)

// ShouldRetry decides whether an attempt that ended with f (and, for
// NoFailure, status) may be tried again. A request that may have reached
// the service is retried only for the policy's (idempotent) methods.
func (p *RetryPolicy) ShouldRetry(method string, f Failure, status int) bool {
	switch f {
	case ConnectFailure:
		return p.OnConnectFailure
	case Reset:
		return p.OnReset && p.RetryMethod(method)
	case Timeout:
		return p.OnTimeout && p.RetryMethod(method)
	}
	return p.RetryStatus(status) && p.RetryMethod(method)
}

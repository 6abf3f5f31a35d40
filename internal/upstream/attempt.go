package upstream

import (
	"errors"
	"time"
)

// Attempt is one proxied request's way through a service: it owns the
// rules of which target each try goes to and whether there is another
// try (the tried set, breaker probes, bulkhead slot, retry budget and
// backoff), so the proxy only asks for a target, reports how the try
// went, and ends the attempt. An Attempt is a value the caller keeps
// (no allocation); it must not be copied once started.
type Attempt struct {
	u      *Upstream
	policy *RetryPolicy
	method string
	key    uint64
	// Replayable says the request body can be sent again; without it
	// there is no retry after a request may have reached the service.
	Replayable bool

	tries    int
	tried    Tried
	target   *Target // the current try's, holding its in-flight count
	next     *Target // chosen for the retry Report granted
	probe    bool    // the current try is a breaker probe
	retrying bool    // a retry is reserved in the budget
	started  bool    // the bulkhead slot and budget place are held
}

// Errors Next and Start return, each with what the client should hear.
var (
	// ErrFull: the service is at its concurrency limit (bulkhead).
	ErrFull = errors.New("service at its concurrency limit")
	// ErrNoTarget: no target is in rotation.
	ErrNoTarget = errors.New("no healthy upstream")
)

// CircuitOpenError refuses a request while the breaker is open; Wait is
// when it lets probes in.
type CircuitOpenError struct{ Wait time.Duration }

func (e *CircuitOpenError) Error() string { return "service unavailable (circuit open)" }

// Start begins an attempt for one request: it takes a bulkhead slot and
// counts the request in the retry budget. key is the consistent-hashing
// key (0 without hashing); p is the route's retry policy (nil: none).
func (u *Upstream) Start(a *Attempt, method string, key uint64, p *RetryPolicy) error {
	if p == nil {
		p = NoRetries
	}
	*a = Attempt{u: u, policy: p, method: method, key: key}
	if !u.Bulkhead.Acquire() {
		return ErrFull
	}
	u.Budget.Start()
	a.started = true
	return nil
}

// Next returns the target of the next try and counts it in flight. The
// first call picks one (and may be refused by the breaker); a later call
// returns the target Report chose for the retry.
func (a *Attempt) Next() (*Target, error) {
	u := a.u
	t := a.next
	a.next = nil
	if a.tries == 0 {
		t = u.Pick(a.key, a.tried)
		if t == nil {
			return nil, ErrNoTarget
		}
		if u.Breaker != nil {
			ok, probe, wait := u.Breaker.Allow()
			if !ok {
				return nil, &CircuitOpenError{Wait: wait}
			}
			a.probe = probe
		}
	}
	if t == nil {
		return nil, ErrNoTarget
	}
	a.tries++
	a.target = t
	t.Begin()
	return t, nil
}

// Outcome is how one try ended.
type Outcome struct {
	// Failure is NoFailure when a response arrived (Status says which).
	Failure Failure
	Status  int
	// ClientFault says the try ended because of the client (its body
	// was malformed, cut or too slow, or it went away): the service is
	// not to blame, so neither the breaker, outlier detection nor the
	// retry decision hears of it.
	ClientFault bool
	// Final says no further try can be made whatever the policy (the
	// request's deadline has passed).
	Final bool
}

// Report records how the current try went and decides on another. With
// retry true the caller waits delay (unless its context ends: then it
// calls Abandon) and calls Next. With retry false the current try's
// response, if any, is the answer; End finishes the attempt.
func (a *Attempt) Report(o Outcome) (retry bool, delay time.Duration) {
	u, t := a.u, a.target
	if a.retrying {
		u.Budget.RetryDone()
		a.retrying = false
	}
	success := o.Failure == NoFailure && o.Status < 500
	if u.Breaker != nil {
		if o.ClientFault {
			u.Breaker.Release(a.probe)
		} else {
			u.Breaker.Record(a.probe, success)
		}
	}
	a.probe = false
	if o.ClientFault {
		return false, 0
	}
	u.Report(t, success)
	p := a.policy
	if o.Final || a.tries >= p.Attempts || !a.Replayable || !p.ShouldRetry(a.method, o.Failure, o.Status) {
		return false, 0
	}
	a.tried.Add(t)
	next := u.Pick(a.key, a.tried)
	if next == nil {
		return false, 0
	}
	if u.Breaker != nil {
		ok, probe, _ := u.Breaker.Allow()
		if !ok {
			return false, 0
		}
		a.probe = probe
	}
	if !u.Budget.TryRetry() {
		if u.Breaker != nil {
			u.Breaker.Release(a.probe)
			a.probe = false
		}
		return false, 0
	}
	a.retrying = true
	// The try being retried is over: its target is no longer loaded.
	t.End()
	a.target = nil
	a.next = next
	return true, p.Backoff.Delay(a.tries)
}

// Abandon gives back a retry Report granted but that will not be made
// (the request's context ended during the backoff).
func (a *Attempt) Abandon() {
	if a.retrying {
		a.u.Budget.RetryDone()
		a.retrying = false
	}
	if a.u.Breaker != nil {
		a.u.Breaker.Release(a.probe)
		a.probe = false
	}
	a.next = nil
}

// Released ends a try that never produced an outcome worth recording
// (the request ended before it was sent): the breaker probe, if any, is
// given back without a verdict.
func (a *Attempt) Released() {
	if a.u.Breaker != nil {
		a.u.Breaker.Release(a.probe)
		a.probe = false
	}
}

// End finishes the attempt once the answer is done with (its body closed
// for a response): the last target's in-flight count, the bulkhead slot
// and the budget place are given back. It is safe to call more than once.
func (a *Attempt) End() {
	if a.target != nil {
		a.target.End()
		a.target = nil
	}
	if a.retrying {
		a.u.Budget.RetryDone()
		a.retrying = false
	}
	if a.started {
		a.started = false
		a.u.Budget.Done()
		a.u.Bulkhead.Release()
	}
}

// Tries is how many tries were started.
func (a *Attempt) Tries() int { return a.tries }

// Package ratelimit holds the rate-limiting algorithms and the stores that
// keep their state: in memory (sharded, bounded) or in Redis (shared by
// every gateway instance, one round trip per check). Nothing here knows
// about HTTP; the rate_limit policy builds on it.
package ratelimit

import (
	"fmt"
	"time"
)

// Algorithm selects how a limit counts.
type Algorithm uint8

const (
	// TokenBucket is GCRA: a bucket of Burst tokens refilled at
	// Requests/Per; a request takes one token or is refused.
	TokenBucket Algorithm = iota
	// SlidingWindow allows Requests per Per, weighting the previous window
	// by how much of it still overlaps the sliding window, so the fixed
	// window's double burst at a boundary cannot happen.
	SlidingWindow
	// LeakyBucket admits requests at Requests/Per, delaying the ones that
	// come too fast by up to MaxDelay (a queue), refusing only past that.
	LeakyBucket
)

// ParseAlgorithm maps the config names.
func ParseAlgorithm(s string) (Algorithm, error) {
	switch s {
	case "", "token_bucket":
		return TokenBucket, nil
	case "sliding_window":
		return SlidingWindow, nil
	case "leaky_bucket":
		return LeakyBucket, nil
	}
	return 0, fmt.Errorf("unknown algorithm %q", s)
}

func (a Algorithm) String() string {
	switch a {
	case SlidingWindow:
		return "sliding_window"
	case LeakyBucket:
		return "leaky_bucket"
	}
	return "token_bucket"
}

// Limit is one quota: Requests per Per.
type Limit struct {
	Requests int64
	Per      time.Duration
	// Burst is the bucket size of a token bucket (default Requests).
	Burst int64
	// MaxDelay is how long a leaky bucket may hold a request.
	MaxDelay time.Duration
}

// Decision is the outcome of one check against one limit.
type Decision struct {
	Allowed bool
	// Remaining requests allowed right now after this one.
	Remaining int64
	// Reset is when the quota is fully available again.
	Reset time.Duration
	// RetryAfter is, for a refused request, when one would pass.
	RetryAfter time.Duration
	// Delay is how long a leaky bucket wants the request held.
	Delay time.Duration
}

// state is what a store keeps per key: two numbers whose meaning depends
// on the algorithm (GCRA: theoretical arrival time; window: start and
// count; previous count in c).
type state struct {
	a, b, c int64
}

// step applies one request at now (ns) to st. It returns the decision,
// the new state (written only when allowed) and when the state can be
// forgotten.
func step(alg Algorithm, st state, now int64, l Limit) (Decision, state, int64) {
	switch alg {
	case SlidingWindow:
		return slidingWindow(st, now, l)
	case LeakyBucket:
		return leakyBucket(st, now, l)
	}
	return gcra(st, now, l)
}

// interval is the time one request "costs": Per/Requests, at least 1ns.
func interval(l Limit) int64 {
	return max(int64(l.Per)/max(l.Requests, 1), 1)
}

func gcra(st state, now int64, l Limit) (Decision, state, int64) {
	t := interval(l)
	burst := l.Burst
	if burst <= 0 {
		burst = l.Requests
	}
	tat := max(st.a, now)
	newTAT := tat + t
	allowAt := newTAT - burst*t
	if now < allowAt {
		return Decision{RetryAfter: time.Duration(allowAt - now), Reset: time.Duration(tat - now)}, st, tat
	}
	return Decision{
		Allowed:   true,
		Remaining: (now - allowAt) / t,
		Reset:     time.Duration(newTAT - now),
	}, state{a: newTAT}, newTAT
}

func slidingWindow(st state, now int64, l Limit) (Decision, state, int64) {
	per := int64(l.Per)
	ws := now - now%per
	if ws != st.a {
		prev := int64(0)
		if ws-st.a == per {
			prev = st.b
		}
		st = state{a: ws, b: 0, c: prev}
	}
	left := per - (now - ws) // the part of the previous window still inside the sliding one
	est := st.c*left/per + st.b
	reset := time.Duration(ws + per - now)
	if est+1 > l.Requests {
		wait := ws + per - now
		if over := est + 1 - l.Requests; st.c > 0 && st.b < l.Requests {
			// Waiting lets the previous window's weight shrink by "over".
			wait = min(wait, (over*per+st.c-1)/st.c)
		}
		return Decision{RetryAfter: time.Duration(max(wait, 1)), Reset: reset}, st, ws + 2*per
	}
	st.b++
	return Decision{Allowed: true, Remaining: l.Requests - est - 1, Reset: reset}, st, ws + 2*per
}

func leakyBucket(st state, now int64, l Limit) (Decision, state, int64) {
	t := interval(l)
	tat := max(st.a, now)
	delay := tat - now
	maxDelay := int64(l.MaxDelay)
	if delay > maxDelay {
		return Decision{RetryAfter: time.Duration(delay - maxDelay), Reset: time.Duration(delay)}, st, tat
	}
	return Decision{
		Allowed:   true,
		Delay:     time.Duration(delay),
		Remaining: (maxDelay - delay) / t,
		Reset:     time.Duration(tat + t - now),
	}, state{a: tat + t}, tat + t
}

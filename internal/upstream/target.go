// Package upstream holds a service's targets and decides where each
// attempt goes: load balancing, active and passive health, the circuit
// breaker, retry policy, the retry budget and the bulkhead. The algorithms
// here know nothing of HTTP requests; internal/proxy drives them.
package upstream

import (
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// Target is one parsed upstream instance and its live state (in-flight
// requests, health, ejection). A Target is shared by every runtime that
// keeps its service unchanged, so the state survives a reload.
type Target struct {
	// Scheme and Host (host:port) of the instance.
	Scheme string
	Host   string
	// BasePath is prepended to every proxied path ("" or "/v1", no
	// trailing slash).
	BasePath string
	Weight   int
	// Raw is the URL as configured, for logs and the admin view.
	Raw string
	// HostHeader is the configured host:port when Host is an address
	// found by DNS, so the upstream still sees its own name. "" otherwise.
	HostHeader string

	inflight atomic.Int64
	// down is set by active health checks.
	down atomic.Bool
	// ejected is set by outlier detection until ejectedUntil (unix ns);
	// it is cleared lazily by the first pick that finds the time passed.
	ejected      atomic.Bool
	ejectedUntil atomic.Int64
	// consecutive counts failures in a row, for outlier detection.
	consecutive atomic.Int32
	// ejections is how many times in a row the target was ejected; the
	// ejection time grows with it.
	ejections atomic.Int32

	// onHealth reports a change of rotation status (metrics).
	onHealth func(t *Target, healthy bool)
}

// ParseTarget parses a configured target URL.
func ParseTarget(raw string, weight int) (*Target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("scheme must be http or https, got %q", u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("missing host")
	}
	if weight <= 0 {
		weight = 1
	}
	return &Target{
		Scheme:   u.Scheme,
		Host:     u.Host,
		BasePath: strings.TrimSuffix(u.Path, "/"),
		Weight:   weight,
		Raw:      raw,
	}, nil
}

// InFlight is the number of requests the target is serving now.
func (t *Target) InFlight() int64 { return t.inflight.Load() }

// Begin and End bracket one request to the target.
func (t *Target) Begin() { t.inflight.Add(1) }

// End closes what Begin opened.
func (t *Target) End() { t.inflight.Add(-1) }

// Usable reports whether the target is in rotation at now: not failed by
// health checks and not ejected by outlier detection.
func (t *Target) Usable(now time.Time) bool {
	if t.down.Load() {
		return false
	}
	if !t.ejected.Load() {
		return true
	}
	if now.UnixNano() < t.ejectedUntil.Load() {
		return false
	}
	if t.ejected.CompareAndSwap(true, false) {
		t.notify(true)
	}
	return true
}

// Ejected reports whether outlier detection holds the target out at now.
func (t *Target) Ejected(now time.Time) bool {
	return t.ejected.Load() && now.UnixNano() < t.ejectedUntil.Load()
}

// Down reports whether active health checks took the target out.
func (t *Target) Down() bool { return t.down.Load() }

// setDown records an active health check verdict.
func (t *Target) setDown(down bool) {
	if t.down.Swap(down) != down {
		t.notify(!down)
	}
}

func (t *Target) notify(healthy bool) {
	if t.onHealth != nil {
		t.onHealth(t, healthy)
	}
}

// Pool picks targets by weighted round robin. It is the plain balancer of
// a service without resilience settings, kept for callers that need only
// that.
type Pool struct {
	targets []*Target
	rr      *roundRobin
}

// NewPool builds a pool over targets (at least one).
func NewPool(targets []*Target) *Pool {
	return &Pool{targets: targets, rr: newRoundRobin(targets)}
}

// Targets returns the pool's targets.
func (p *Pool) Targets() []*Target { return p.targets }

// Pick returns the next target.
func (p *Pool) Pick() *Target { return p.rr.order[(p.rr.next.Add(1)-1)%uint64(len(p.rr.order))] }

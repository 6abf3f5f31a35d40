// Package upstream holds a service's targets and how one is chosen for a
// request. Load balancing, health and breaking build on this.
package upstream

import (
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
)

// Target is one parsed upstream instance.
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

// Pool picks targets by weighted round robin. The weighted order is
// expanded once at build time so picking is one atomic add.
type Pool struct {
	targets []*Target
	order   []*Target
	next    atomic.Uint64
}

// NewPool builds a pool over targets (at least one).
func NewPool(targets []*Target) *Pool {
	p := &Pool{targets: targets}
	p.order = smoothWeighted(targets)
	return p
}

// Targets returns the pool's targets.
func (p *Pool) Targets() []*Target { return p.targets }

// Pick returns the next target.
func (p *Pool) Pick() *Target {
	if len(p.order) == 1 {
		return p.order[0]
	}
	n := p.next.Add(1) - 1
	return p.order[n%uint64(len(p.order))]
}

// smoothWeighted lays out one cycle of nginx's smooth weighted round robin,
// which spreads a heavy target's turns instead of bunching them.
func smoothWeighted(ts []*Target) []*Target {
	total := 0
	for _, t := range ts {
		total += t.Weight
	}
	current := make([]int, len(ts))
	order := make([]*Target, 0, total)
	for range total {
		best := 0
		for i, t := range ts {
			current[i] += t.Weight
			if current[i] > current[best] {
				best = i
			}
		}
		current[best] -= total
		order = append(order, ts[best])
	}
	return order
}

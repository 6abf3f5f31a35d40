// Package statepool keeps state that must outlive one compiled runtime:
// rate-limit counters, verified-token caches, JWKS key sets, health and
// circuit-breaker state, connection pools. A reload builds a new runtime
// in a new generation; every value the new runtime asks for under the same
// key is handed over instead of rebuilt, so an unchanged policy or service
// keeps its state. Keys must therefore name both the owner (scope and
// policy) and the settings the value depends on, e.g.
// "ratelimit|route=orders|" + a hash of the limits.
package statepool

import (
	"io"
	"sync"
)

// Pool holds the values of the current generation.
type Pool struct {
	mu    sync.Mutex
	items map[string]any
	gen   *Gen
}

// New returns an empty pool.
func New() *Pool { return &Pool{items: map[string]any{}} }

// Gen is one build's view of the pool. Builds are serialised by the
// caller (one reload at a time).
type Gen struct {
	p       *Pool
	used    map[string]bool
	created map[string]bool
}

// Begin starts the generation for a new build.
func (p *Pool) Begin() *Gen {
	return &Gen{p: p, used: map[string]bool{}, created: map[string]bool{}}
}

// Get returns the value under key, creating it with create when no earlier
// generation left one. A nil *Gen always creates (for tests and one-off
// builds).
func Get[T any](g *Gen, key string, create func() (T, error)) (T, error) {
	if g == nil {
		return create()
	}
	g.p.mu.Lock()
	defer g.p.mu.Unlock()
	if v, ok := g.p.items[key]; ok {
		if t, ok := v.(T); ok {
			g.used[key] = true
			return t, nil
		}
	}
	t, err := create()
	if err != nil {
		return t, err
	}
	if old, ok := g.p.items[key]; ok {
		closeValue(old)
	}
	g.p.items[key] = t
	g.used[key] = true
	g.created[key] = true
	return t, nil
}

// Commit makes g the current generation and closes every value no longer
// used. Call it once the previous runtime has drained, so nothing still
// serving holds a closed value.
func (g *Gen) Commit() {
	g.p.mu.Lock()
	defer g.p.mu.Unlock()
	for k, v := range g.p.items {
		if !g.used[k] {
			closeValue(v)
			delete(g.p.items, k)
		}
	}
	g.p.gen = g
}

// Abort drops what g created, leaving the earlier generation's values in
// place: the build failed and the old runtime keeps serving.
func (g *Gen) Abort() {
	g.p.mu.Lock()
	defer g.p.mu.Unlock()
	for k := range g.created {
		if v, ok := g.p.items[k]; ok {
			closeValue(v)
			delete(g.p.items, k)
		}
	}
}

// Len is the number of values held, for tests and the admin status.
func (p *Pool) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.items)
}

func closeValue(v any) {
	if c, ok := v.(io.Closer); ok {
		_ = c.Close()
	}
}

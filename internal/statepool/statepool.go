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

// Pool holds the values of every generation still serving.
type Pool struct {
	mu    sync.Mutex
	items map[string]*item
	next  uint64
}

type item struct {
	v any
	// last is the newest generation that asked for the value.
	last uint64
}

// New returns an empty pool.
func New() *Pool { return &Pool{items: map[string]*item{}} }

// Gen is one build's view of the pool. Builds are serialised by the
// caller (one reload at a time), and generations are committed in the
// order they began.
type Gen struct {
	p       *Pool
	id      uint64
	created map[string]bool
}

// Begin starts the generation for a new build.
func (p *Pool) Begin() *Gen {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.next++
	return &Gen{p: p, id: p.next, created: map[string]bool{}}
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
	if it, ok := g.p.items[key]; ok {
		if t, ok := it.v.(T); ok {
			it.last = max(it.last, g.id)
			return t, nil
		}
	}
	t, err := create()
	if err != nil {
		return t, err
	}
	if old, ok := g.p.items[key]; ok {
		closeValue(old.v)
	}
	g.p.items[key] = &item{v: t, last: g.id}
	g.created[key] = true
	return t, nil
}

// Commit closes every value that no generation from g on asked for. Call
// it once every runtime older than g's has drained, so nothing still
// serving holds a closed value.
func (g *Gen) Commit() {
	g.p.mu.Lock()
	defer g.p.mu.Unlock()
	for k, it := range g.p.items {
		if it.last < g.id {
			closeValue(it.v)
			delete(g.p.items, k)
		}
	}
}

// Abort drops what g created, leaving the earlier generation's values in
// place: the build failed and the old runtime keeps serving.
func (g *Gen) Abort() {
	g.p.mu.Lock()
	defer g.p.mu.Unlock()
	for k := range g.created {
		if it, ok := g.p.items[k]; ok && it.last == g.id {
			closeValue(it.v)
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

package cache

import (
	"strings"
	"sync"
	"time"

	"github.com/maypok86/otter/v2"
)

// Store keeps entries by key. A shared store (Redis) implements the same
// interface, so instances of a cluster share hits.
type Store interface {
	Get(key string) (*Entry, bool)
	// Set stores e for at most keep.
	Set(key string, e *Entry, keep time.Duration)
	Delete(key string)
	// Purge removes the entries whose key and entry match, and says how
	// many it removed.
	Purge(match func(key string, e *Entry) bool) int
	// Stats is the bytes and entries held.
	Stats() (bytes uint64, entries int)
}

// Memory is an in-memory store bounded in bytes. Admission and eviction
// are otter's W-TinyLFU: a key seen once (a scan over many URLs) does not
// push out entries that are asked for often.
type Memory struct {
	c *otter.Cache[string, stored]
}

type stored struct {
	e    *Entry
	keep time.Duration
}

// NewMemory makes a store of at most maxBytes (entries weighed by Size).
// onEvict hears each entry evicted for room (not those expired or
// replaced).
func NewMemory(maxBytes uint64, onEvict func()) *Memory {
	o := &otter.Options[string, stored]{
		MaximumWeight: maxBytes,
		Weigher: func(key string, v stored) uint32 {
			return uint32(min(len(key)+v.e.Size(), 1<<31))
		},
		ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[string, stored]) time.Duration {
			return e.Value.keep
		}),
	}
	if onEvict != nil {
		o.OnDeletion = func(ev otter.DeletionEvent[string, stored]) {
			if ev.Cause == otter.CauseOverflow {
				onEvict()
			}
		}
	}
	return &Memory{c: otter.Must(o)}
}

// Get returns a stored entry.
func (m *Memory) Get(key string) (*Entry, bool) {
	v, ok := m.c.GetIfPresent(key)
	return v.e, ok
}

// Set stores e for at most keep.
func (m *Memory) Set(key string, e *Entry, keep time.Duration) { m.c.Set(key, stored{e, keep}) }

// Delete removes key.
func (m *Memory) Delete(key string) { m.c.Invalidate(key) }

// Purge removes every matching entry.
func (m *Memory) Purge(match func(string, *Entry) bool) int {
	n := 0
	for k, v := range m.c.All() {
		if match(k, v.e) {
			m.c.Invalidate(k)
			n++
		}
	}
	return n
}

// Stats reports the bytes and entries held.
func (m *Memory) Stats() (uint64, int) { return m.c.WeightedSize(), m.c.EstimatedSize() }

// Close stops the store's background work.
func (m *Memory) Close() error {
	m.c.InvalidateAll()
	m.c.StopAllGoroutines()
	return nil
}

// Registry knows the stores in use, by route, so the admin API can purge.
type Registry struct {
	mu     sync.Mutex
	routes map[string]Store
}

// Stores is the process's registry.
var Stores = &Registry{routes: map[string]Store{}}

// Register records that route caches in s (the latest build wins).
func (r *Registry) Register(route string, s Store) {
	r.mu.Lock()
	r.routes[route] = s
	r.mu.Unlock()
}

// Bytes is what the registered stores hold (a store shared by several
// routes counted once; shared stores report 0).
func (r *Registry) Bytes() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := map[Store]bool{}
	var n uint64
	for _, s := range r.routes {
		if !seen[s] {
			seen[s] = true
			b, _ := s.Stats()
			n += b
		}
	}
	return n
}

// PurgeSpec says which entries to remove; empty fields match anything,
// and at least one must be set.
type PurgeSpec struct {
	Key, Prefix, Tag, Route string
}

// Purge removes the matching entries from every store and says how many.
func (r *Registry) Purge(p PurgeSpec) int {
	r.mu.Lock()
	stores := map[Store]bool{}
	for route, s := range r.routes {
		if p.Route == "" || p.Route == route {
			stores[s] = true
		}
	}
	r.mu.Unlock()
	n := 0
	for s := range stores {
		if p.Key != "" && p.Prefix == "" && p.Tag == "" && p.Route == "" {
			if _, ok := s.Get(p.Key); ok {
				s.Delete(p.Key)
				n++
			}
			continue
		}
		n += s.Purge(func(k string, e *Entry) bool {
			return (p.Key == "" || k == p.Key) &&
				(p.Prefix == "" || strings.HasPrefix(pathOfKey(k), p.Prefix)) &&
				(p.Tag == "" || hasTag(e.Tags, p.Tag)) &&
				(p.Route == "" || e.Route == p.Route)
		})
	}
	return n
}

func hasTag(tags []string, t string) bool {
	for _, x := range tags {
		if x == t {
			return true
		}
	}
	return false
}

// pathOfKey is the path part of a key (see the policy's key layout:
// method, host, path and query, then the variations, separated by '|').
func pathOfKey(k string) string {
	parts := strings.SplitN(k, "|", 4)
	if len(parts) < 3 {
		return k
	}
	return parts[2]
}

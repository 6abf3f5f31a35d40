package authn

import (
	"hash/maphash"
	"sync"
	"time"
)

// cacheShards spreads the cache over independent locks, so concurrent
// requests rarely contend.
const cacheShards = 32

// Cache is a bounded map of verified credentials to what they resolved
// to, each entry valid until its own expiry. When a shard is full an
// expired entry, or else an arbitrary one, is evicted: cheap, and a
// flood of distinct tokens cannot grow memory.
type Cache[V any] struct {
	seed     maphash.Seed
	perShard int
	shards   [cacheShards]cacheShard[V]
}

type cacheShard[V any] struct {
	mu sync.RWMutex
	m  map[string]cacheEntry[V]
}

type cacheEntry[V any] struct {
	v   V
	exp int64 // unix nanoseconds
}

// NewCache holds at most about size entries; size <= 0 disables caching.
func NewCache[V any](size int) *Cache[V] {
	c := &Cache[V]{seed: maphash.MakeSeed(), perShard: (size + cacheShards - 1) / cacheShards}
	for i := range c.shards {
		c.shards[i].m = map[string]cacheEntry[V]{}
	}
	return c
}

func (c *Cache[V]) shard(key string) *cacheShard[V] {
	return &c.shards[maphash.String(c.seed, key)%cacheShards]
}

// Get returns the value under key if it has not expired at now.
func (c *Cache[V]) Get(key string, now time.Time) (V, bool) {
	var zero V
	if c == nil || c.perShard == 0 {
		return zero, false
	}
	s := c.shard(key)
	s.mu.RLock()
	e, ok := s.m[key]
	s.mu.RUnlock()
	if !ok || now.UnixNano() >= e.exp {
		return zero, false
	}
	return e.v, true
}

// Put stores v under key until exp.
func (c *Cache[V]) Put(key string, v V, exp time.Time) {
	if c == nil || c.perShard == 0 {
		return
	}
	s := c.shard(key)
	now := time.Now().UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, exists := s.m[key]; !exists && len(s.m) >= c.perShard {
		evicted := false
		for k, e := range s.m {
			if e.exp <= now {
				delete(s.m, k)
				evicted = true
			}
		}
		if !evicted {
			for k := range s.m { // map order is unspecified: an arbitrary entry
				delete(s.m, k)
				break
			}
		}
	}
	s.m[key] = cacheEntry[V]{v: v, exp: exp.UnixNano()}
}

// Len counts the entries, expired ones included.
func (c *Cache[V]) Len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.m)
		s.mu.RUnlock()
	}
	return n
}

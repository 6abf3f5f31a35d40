package ratelimit

import (
	"context"
	"hash/maphash"
	"slices"
	"sync"
	"time"
)

// shards splits the local store so that requests for different keys
// rarely share a lock; there is no global lock on the hot path.
const shards = 64

// Local is the in-memory store. Idle keys expire once their state no
// longer matters; beyond MaxKeys, the least soon expiring of a few sampled
// keys is evicted first (see docs/policies/rate-limit.md).
type Local struct {
	seed     maphash.Seed
	clock    Clock
	perShard int
	shards   [shards]shard
}

type shard struct {
	mu      sync.Mutex
	entries map[string]entry
	// sweepAt is when the shard next drops expired entries.
	sweepAt int64
}

type entry struct {
	st  state
	exp int64 // unix ns after which st is as good as empty
}

// DefaultMaxKeys bounds the local store unless configured otherwise.
const DefaultMaxKeys = 1_000_000

// NewLocal returns a store holding at most maxKeys keys (0: default).
func NewLocal(maxKeys int, clock Clock) *Local {
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	if clock == nil {
		clock = time.Now
	}
	l := &Local{seed: maphash.MakeSeed(), clock: clock, perShard: max(maxKeys/shards, 1)}
	for i := range l.shards {
		l.shards[i].entries = make(map[string]entry)
	}
	return l
}

// Take implements Store. It never fails.
func (l *Local) Take(_ context.Context, alg Algorithm, checks []Check, out []Decision) error {
	l.decide(alg, checks, out, true)
	return nil
}

// Peek implements Store. It never fails.
func (l *Local) Peek(_ context.Context, alg Algorithm, checks []Check, out []Decision) error {
	l.decide(alg, checks, out, false)
	return nil
}

// decide applies checks, counting the request only when commit is set.
func (l *Local) decide(alg Algorithm, checks []Check, out []Decision, commit bool) {
	now := l.clock().UnixNano()
	if len(checks) == 1 {
		sh := l.shardOf(checks[0].Key)
		sh.mu.Lock()
		out[0] = l.apply(sh, alg, checks[0], now, commit)
		sh.mu.Unlock()
		return
	}
	// Several limits: lock their shards in order, decide all, then commit
	// only if every limit allows.
	idx := make([]int, 0, len(checks))
	for _, c := range checks {
		idx = append(idx, l.shardIndex(c.Key))
	}
	locks := slices.Clone(idx)
	slices.Sort(locks)
	locks = slices.Compact(locks)
	for _, i := range locks {
		l.shards[i].mu.Lock()
	}
	allowed := true
	for i, c := range checks {
		out[i] = l.apply(&l.shards[idx[i]], alg, c, now, false)
		allowed = allowed && out[i].Allowed
	}
	if allowed && commit {
		for i, c := range checks {
			l.apply(&l.shards[idx[i]], alg, c, now, true)
		}
	} else if !allowed {
		for i := range out {
			out[i].Allowed = false
		}
	}
	for _, i := range locks {
		l.shards[i].mu.Unlock()
	}
}

// apply runs one check with the shard locked, writing the new state when
// commit is set and the request is allowed.
func (l *Local) apply(sh *shard, alg Algorithm, c Check, now int64, commit bool) Decision {
	e, ok := sh.entries[c.Key]
	if ok && e.exp < now {
		e = entry{}
	}
	d, next, exp := step(alg, e.st, now, c.Limit)
	if commit && d.Allowed {
		if !ok {
			l.makeRoom(sh, now)
		}
		sh.entries[c.Key] = entry{st: next, exp: exp}
	}
	return d
}

// makeRoom keeps the shard within its share of MaxKeys: expired entries
// go first (swept at most once a second, so a flood of new keys at the cap
// does not scan the shard on every insert), then the soonest-expiring of
// a sample.
func (l *Local) makeRoom(sh *shard, now int64) {
	if now >= sh.sweepAt {
		for k, e := range sh.entries {
			if e.exp < now {
				delete(sh.entries, k)
			}
		}
		sh.sweepAt = now + int64(time.Second)
	}
	for len(sh.entries) >= l.perShard {
		var victim string
		var soonest int64
		n := 0
		for k, e := range sh.entries { // map order is random: a sample
			if n == 0 || e.exp < soonest {
				victim, soonest = k, e.exp
			}
			if n++; n == 8 {
				break
			}
		}
		delete(sh.entries, victim)
	}
}

func (l *Local) shardIndex(key string) int {
	return int(maphash.String(l.seed, key) % shards)
}

func (l *Local) shardOf(key string) *shard { return &l.shards[l.shardIndex(key)] }

// Len is the number of keys held.
func (l *Local) Len() int {
	n := 0
	for i := range l.shards {
		l.shards[i].mu.Lock()
		n += len(l.shards[i].entries)
		l.shards[i].mu.Unlock()
	}
	return n
}

// Close lets the state pool drop the store.
func (l *Local) Close() error { return nil }

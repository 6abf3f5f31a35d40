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
// longer matters; beyond MaxKeys or the memory budget, the least soon
// expiring of a few sampled keys is evicted first (see
// docs/policies/rate-limit.md).
type Local struct {
	seed          maphash.Seed
	clock         Clock
	perShard      int
	perShardBytes int64
	shards        [shards]shard
}

type shard struct {
	mu      sync.Mutex
	entries map[string]entry
	// bytes is the estimated memory of entries (see entryCost).
	bytes int64
	// sweepAt is when the shard next drops expired entries.
	sweepAt int64
}

type entry struct {
	st  state
	exp int64 // unix ns after which st is as good as empty
}

// DefaultMaxKeys bounds the local store unless configured otherwise.
const DefaultMaxKeys = 1_000_000

// DefaultMaxBytes is the local store's memory budget unless configured
// otherwise: above what DefaultMaxKeys short keys take, so for most
// configs the key cap binds first.
const DefaultMaxBytes = 256 << 20

// entryOverhead is what one entry costs beside its key's bytes: the map
// slot (key header, state, expiry) at the map's usual load, measured by
// BenchmarkLocalMemory1M. An estimate, so the budget is approximate.
const entryOverhead = 120

func entryCost(key string) int64 { return int64(len(key)) + entryOverhead }

// NewLocal returns a store holding at most maxKeys keys (0: default)
// within the default memory budget.
func NewLocal(maxKeys int, clock Clock) *Local { return NewLocalSized(maxKeys, 0, clock) }

// NewLocalSized returns a store holding at most maxKeys keys (0: default)
// and about maxBytes of them (0: DefaultMaxBytes), whichever binds first.
func NewLocalSized(maxKeys int, maxBytes int64, clock Clock) *Local {
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	if clock == nil {
		clock = time.Now
	}
	l := &Local{seed: maphash.MakeSeed(), clock: clock, perShard: max(maxKeys/shards, 1),
		perShardBytes: max(maxBytes/shards, 1)}
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
			l.makeRoom(sh, now, entryCost(c.Key))
			sh.bytes += entryCost(c.Key)
		}
		sh.entries[c.Key] = entry{st: next, exp: exp}
	}
	return d
}

// makeRoom keeps the shard within its share of MaxKeys and of the memory
// budget once an entry costing need is added: expired entries go first
// (swept at most once a second, so a flood of new keys at the cap does
// not scan the shard on every insert), then the soonest-expiring of a
// sample.
func (l *Local) makeRoom(sh *shard, now, need int64) {
	if now >= sh.sweepAt {
		for k, e := range sh.entries {
			if e.exp < now {
				sh.remove(k)
			}
		}
		sh.sweepAt = now + int64(time.Second)
	}
	for len(sh.entries) > 0 && (len(sh.entries) >= l.perShard || sh.bytes+need > l.perShardBytes) {
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
		sh.remove(victim)
	}
}

func (sh *shard) remove(key string) {
	delete(sh.entries, key)
	sh.bytes -= entryCost(key)
}

// Bytes is the estimated memory the keys take, for tests and metrics.
func (l *Local) Bytes() int64 {
	var n int64
	for i := range l.shards {
		l.shards[i].mu.Lock()
		n += l.shards[i].bytes
		l.shards[i].mu.Unlock()
	}
	return n
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

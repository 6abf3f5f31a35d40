package cache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is a store shared by the instances of a cluster: an answer one
// instance stored is a hit on every other. Each entry is one Redis
// string under a hash of its key, with the entry's keep time as its TTL,
// so Redis itself forgets it. A Redis that is down or slow turns lookups
// into misses and stores into no-ops: the cache never fails a request.
type Redis struct {
	client  redis.UniversalClient
	prefix  string
	timeout time.Duration
}

// RedisOptions locate the server(s); as the rate limiter's.
type RedisOptions struct {
	Addrs      []string
	MasterName string
	Username   string
	Password   string
	DB         int
	// Timeout bounds every call. Default 100ms.
	Timeout time.Duration
	// Prefix namespaces the keys. Default "gatehouse:cache:".
	Prefix string
}

// NewRedis connects lazily.
func NewRedis(o RedisOptions) *Redis {
	if o.Timeout <= 0 {
		o.Timeout = 100 * time.Millisecond
	}
	if o.Prefix == "" {
		o.Prefix = "gatehouse:cache:"
	}
	c := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs: o.Addrs, MasterName: o.MasterName, Username: o.Username, Password: o.Password, DB: o.DB,
		DialTimeout: o.Timeout, ReadTimeout: o.Timeout, WriteTimeout: o.Timeout, PoolTimeout: o.Timeout,
		MaxRetries: -1, ContextTimeoutEnabled: true,
	})
	return &Redis{client: c, prefix: o.Prefix, timeout: o.Timeout}
}

// wire is an entry as stored: with its full key, so a hash collision is
// seen and taken for a miss.
type wire struct {
	Key   string
	Entry Entry
}

func (r *Redis) redisKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return r.prefix + hex.EncodeToString(sum[:16])
}

func (r *Redis) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), r.timeout)
}

// Get fetches and decodes an entry.
func (r *Redis) Get(key string) (*Entry, bool) {
	ctx, cancel := r.ctx()
	defer cancel()
	b, err := r.client.Get(ctx, r.redisKey(key)).Bytes()
	if err != nil {
		if err != redis.Nil {
			storeErrors.Inc()
		}
		return nil, false
	}
	var w wire
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&w); err != nil || w.Key != key {
		return nil, false
	}
	return &w.Entry, true
}

// Set stores e with keep as its TTL in Redis.
func (r *Redis) Set(key string, e *Entry, keep time.Duration) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(wire{Key: key, Entry: *e}); err != nil {
		return
	}
	ctx, cancel := r.ctx()
	defer cancel()
	if err := r.client.Set(ctx, r.redisKey(key), buf.Bytes(), keep).Err(); err != nil {
		storeErrors.Inc()
	}
}

// Delete removes key.
func (r *Redis) Delete(key string) {
	ctx, cancel := r.ctx()
	defer cancel()
	r.client.Del(ctx, r.redisKey(key))
}

// Purge scans the namespace and removes what matches. It reads every
// entry, which is fine for an operator's purge and nothing else.
func (r *Redis) Purge(match func(string, *Entry) bool) int {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n := 0
	iter := r.client.Scan(ctx, 0, r.prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		if strings.Count(k[len(r.prefix):], ":") > 0 {
			continue // not one of ours
		}
		b, err := r.client.Get(ctx, k).Bytes()
		if err != nil {
			continue
		}
		var w wire
		if gob.NewDecoder(bytes.NewReader(b)).Decode(&w) != nil {
			continue
		}
		if match(w.Key, &w.Entry) && r.client.Del(ctx, k).Val() > 0 {
			n++
		}
	}
	return n
}

// Stats is unknown for a shared store (other instances write to it).
func (r *Redis) Stats() (uint64, int) { return 0, 0 }

// Close closes the connections.
func (r *Redis) Close() error { return r.client.Close() }

// Package cache holds the cache policy: a shared HTTP cache in front of a
// route's service (RFC 9111), with revalidation, RFC 5861's stale
// extensions, request coalescing and purging. Entries and stores live in
// internal/cache.
package cache

import (
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
	"golang.org/x/net/http/httpguts"
)

func init() {
	pipeline.Register("cache", pipeline.PhaseCache, func() pipeline.Spec { return &Spec{} })
}

// Spec is the cache policy's settings.
type Spec struct {
	// TTL, when set, is the freshness of every stored response, whatever
	// its Cache-Control or Expires say. Unset: the response's own
	// freshness; a response with none is not stored.
	TTL config.Duration `yaml:"ttl"`
	// Methods are the request methods answered from the cache. Default
	// [GET, HEAD]; HEAD is answered from a stored GET.
	Methods []string `yaml:"methods"`
	// ShareAuthenticated stores responses to requests with credentials
	// (Authorization, or a consumer found by an authentication policy),
	// keyed per consumer, or per credential when there is no consumer.
	// Default false: such requests bypass the cache.
	ShareAuthenticated bool `yaml:"share_authenticated"`
	// StoreSetCookie stores responses that set cookies (without the
	// Set-Cookie field, which is never replayed). Default false.
	StoreSetCookie bool `yaml:"store_set_cookie"`
	// StaleWhileRevalidate and StaleIfError are the RFC 5861 windows used
	// when the response does not give its own. Default 0.
	StaleWhileRevalidate config.Duration `yaml:"stale_while_revalidate"`
	StaleIfError         config.Duration `yaml:"stale_if_error"`
	// LockTimeout bounds how long a request waits for a concurrent
	// request for the same key to fill the cache. Default 5s.
	LockTimeout config.Duration `yaml:"lock_timeout"`
	// MaxEntryBytes is the largest body stored. Default 1048576 (1 MiB).
	MaxEntryBytes int `yaml:"max_entry_bytes"`
	// MemoryBytes bounds the in-memory store. Default 67108864 (64 MiB).
	MemoryBytes int64 `yaml:"memory_bytes"`
	// Store is memory (each instance its own) or redis (shared by the
	// instances of a cluster). Default memory.
	Store string `yaml:"store"`
	// Redis locates the shared store, with store: redis.
	Redis *RedisSpec `yaml:"redis"`
	// Key adds to or removes from the default key (method, host, path,
	// sorted query).
	Key KeySpec `yaml:"key"`
}

// RedisSpec locates a shared store.
type RedisSpec struct {
	// Addrs: one address for a standalone server, several for a Cluster,
	// or the Sentinels when master_name is set.
	Addrs      []string `yaml:"addrs"`
	MasterName string   `yaml:"master_name"`
	Username   string   `yaml:"username"`
	// Password: write it as ${ENV}.
	Password string `yaml:"password"`
	DB       int    `yaml:"db"`
	// Timeout bounds every Redis call; past it a lookup is a miss.
	// Default 100ms.
	Timeout config.Duration `yaml:"timeout"`
	// Prefix namespaces the keys. Default "gatehouse:cache:".
	Prefix string `yaml:"prefix"`
}

// KeySpec shapes the cache key.
type KeySpec struct {
	// Headers and Cookies are request headers and cookies added to the key.
	Headers []string `yaml:"headers"`
	Cookies []string `yaml:"cookies"`
	// QueryInclude keeps only these query parameters in the key;
	// QueryExclude drops these. At most one of the two.
	QueryInclude []string `yaml:"query_include"`
	QueryExclude []string `yaml:"query_exclude"`
	// IgnoreQuery leaves the query out entirely.
	IgnoreQuery bool `yaml:"ignore_query"`
	// Consumer adds the authenticated consumer.
	Consumer bool `yaml:"consumer"`
}

// Defaults.
const (
	defaultLockTimeout   = 5e9 // 5s, as a Duration
	defaultMaxEntryBytes = 1 << 20
	defaultMemoryBytes   = 64 << 20
	maxMaxEntryBytes     = 64 << 20
)

// Validate checks the settings.
func (s *Spec) Validate(at config.Path) []config.FieldError {
	var errs []config.FieldError
	add := func(p config.Path, f string, a ...any) { errs = append(errs, config.Errorf(p, f, a...)) }
	for i, m := range s.Methods {
		switch strings.ToUpper(m) {
		case http.MethodGet, http.MethodHead:
		default:
			add(at.Field("methods").Index(i), "%q cannot be answered from a cache: want GET or HEAD", m)
		}
	}
	for _, d := range []struct {
		name string
		v    config.Duration
	}{{"ttl", s.TTL}, {"stale_while_revalidate", s.StaleWhileRevalidate}, {"stale_if_error", s.StaleIfError}, {"lock_timeout", s.LockTimeout}} {
		if d.v < 0 {
			add(at.Field(d.name), "must not be negative")
		}
	}
	switch {
	case s.MaxEntryBytes < 0:
		add(at.Field("max_entry_bytes"), "must not be negative")
	case s.MaxEntryBytes > maxMaxEntryBytes:
		add(at.Field("max_entry_bytes"), "must be at most %d (64 MiB), got %d", maxMaxEntryBytes, s.MaxEntryBytes)
	}
	if s.MemoryBytes < 0 {
		add(at.Field("memory_bytes"), "must not be negative")
	}
	switch s.Store {
	case "", "memory":
		if s.Redis != nil {
			add(at.Field("redis"), "only used with store: redis")
		}
	case "redis":
		if s.Redis == nil || len(s.Redis.Addrs) == 0 {
			add(at.Field("redis").Field("addrs"), "required with store: redis")
		} else if s.Redis.Timeout < 0 {
			add(at.Field("redis").Field("timeout"), "must not be negative")
		}
	default:
		add(at.Field("store"), "unknown store %q: want memory or redis%s", s.Store, config.Suggest(s.Store, []string{"memory", "redis"}))
	}
	k := at.Field("key")
	for i, h := range s.Key.Headers {
		if !httpguts.ValidHeaderFieldName(h) {
			add(k.Field("headers").Index(i), "%q is not a header name", h)
		}
	}
	for i, c := range s.Key.Cookies {
		if c == "" || strings.ContainsAny(c, "=; \t") {
			add(k.Field("cookies").Index(i), "%q is not a cookie name", c)
		}
	}
	if len(s.Key.QueryInclude) > 0 && len(s.Key.QueryExclude) > 0 {
		add(k.Field("query_exclude"), "cannot be combined with query_include")
	}
	if s.Key.IgnoreQuery && len(s.Key.QueryInclude)+len(s.Key.QueryExclude) > 0 {
		add(k.Field("ignore_query"), "cannot be combined with query_include or query_exclude")
	}
	return errs
}

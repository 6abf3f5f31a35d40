// Package ratelimit is the rate_limit policy: limits per client IP,
// consumer, credential, header, JWT claim, path, route, service or
// globally, with tiers by consumer group, counted in memory or in Redis
// shared by every gateway instance.
package ratelimit

import (
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
	"github.com/gatehouse/gatehouse/internal/ratelimit"
)

func init() {
	pipeline.Register("rate_limit", pipeline.PhaseLimit, func() pipeline.Spec { return &Spec{} })
}

// Spec is the rate_limit policy's settings.
type Spec struct {
	// Algorithm: token_bucket (default, GCRA), sliding_window or
	// leaky_bucket (delays instead of refusing, up to max_delay).
	Algorithm string `yaml:"algorithm"`
	// Key says what is counted: a list of ip, consumer, credential, path,
	// route, service, global, header:NAME, claim:NAME. Several parts make
	// one combined key. Default [ip]. Without consumer, credential, claim
	// or tiers the limit runs before authentication (see Phase).
	Key []string `yaml:"key"`
	// Limits all apply; a request passes only if each allows it.
	Limits []LimitSpec `yaml:"limits"`
	// Tiers replace Limits for consumers in a group. The first tier whose
	// group the consumer is in wins.
	Tiers []Tier `yaml:"tiers"`
	// MaxDelay is how long leaky_bucket may hold a request before
	// refusing. Default 1s.
	MaxDelay config.Duration `yaml:"max_delay"`
	// Store is "local" (default, in this process) or "redis" (shared).
	Store string `yaml:"store"`
	// Redis locates the shared store when store is redis.
	Redis *RedisSpec `yaml:"redis"`
	// OnStoreFailure is what happens while Redis is unreachable: local
	// (default: limit in this process meanwhile), allow or deny (503).
	OnStoreFailure string `yaml:"on_store_failure"`
	// MaxKeys caps the keys of the local store. Default 1000000.
	MaxKeys int `yaml:"max_keys"`
	// MaxMemoryMB caps the local store's estimated memory, in MiB: past
	// it, keys are evicted as past max_keys. Default 256.
	MaxMemoryMB int `yaml:"max_memory_mb"`
	// Headers chooses the response headers.
	Headers HeadersSpec `yaml:"headers"`
	// Name names the policy in RateLimit-Policy. Default "default".
	Name string `yaml:"name"`
}

// LimitSpec is one quota.
type LimitSpec struct {
	// Requests allowed per Per. Required, > 0.
	Requests int64 `yaml:"requests"`
	// Per is the window (token bucket: the refill period). Required.
	Per config.Duration `yaml:"per"`
	// Burst is the token bucket's size. Default Requests.
	Burst int64 `yaml:"burst"`
}

// Tier is the limits of one consumer group.
type Tier struct {
	// Group is a consumer group name.
	Group string `yaml:"group"`
	// Limits for the group.
	Limits []LimitSpec `yaml:"limits"`
	// Unlimited exempts the group from this policy.
	Unlimited bool `yaml:"unlimited"`
}

// RedisSpec locates Redis.
type RedisSpec struct {
	// Addrs: one address for a standalone server, several for a Cluster,
	// or the Sentinels when master_name is set.
	Addrs []string `yaml:"addrs"`
	// MasterName selects Sentinel mode.
	MasterName string `yaml:"master_name"`
	// Username for Redis ACLs (Redis 6+); empty for the default user.
	Username string `yaml:"username"`
	// Password: write it as ${ENV}.
	Password string `yaml:"password"`
	// DB is the database number (standalone and Sentinel only).
	DB int `yaml:"db"`
	// Timeout bounds every Redis call. Default 50ms.
	Timeout config.Duration `yaml:"timeout"`
	// PoolSize is the connection pool per gateway. Default 10 per CPU.
	PoolSize int `yaml:"pool_size"`
	// Prefix namespaces the keys. Default "gatehouse:rl:".
	Prefix string `yaml:"prefix"`
}

// HeadersSpec switches the response headers.
type HeadersSpec struct {
	// IETF sends RateLimit-Policy and RateLimit. Default true.
	IETF *bool `yaml:"ietf"`
	// Legacy sends X-RateLimit-Limit, -Remaining and -Reset. Default false.
	Legacy bool `yaml:"legacy"`
}

// maxMemoryMB keeps the budget's byte count far from overflowing.
const maxMemoryMB = 1 << 20

var keyParts = []string{"ip", "consumer", "credential", "path", "route", "service", "global", "header:", "claim:"}

// Validate checks the settings.
func (s *Spec) Validate(at config.Path) []config.FieldError {
	var errs []config.FieldError
	add := func(p config.Path, f string, a ...any) { errs = append(errs, config.Errorf(p, f, a...)) }
	alg, err := ratelimit.ParseAlgorithm(s.Algorithm)
	if err != nil {
		add(at.Field("algorithm"), "unknown algorithm %q: want token_bucket, sliding_window or leaky_bucket%s",
			s.Algorithm, config.Suggest(s.Algorithm, []string{"token_bucket", "sliding_window", "leaky_bucket"}))
	}
	for i, k := range s.Key {
		if !validKey(k) {
			add(at.Field("key").Index(i), "unknown key %q: want ip, consumer, credential, path, route, service, global, header:NAME or claim:NAME%s",
				k, config.Suggest(k, []string{"ip", "consumer", "credential", "path", "route", "service", "global"}))
		} else if name, ok := strings.CutPrefix(k, "header:"); ok && config.RequestHeaderProblem(name) != "" {
			add(at.Field("key").Index(i), "%s", config.RequestHeaderProblem(name))
		} else if ok && setByGateway(name) {
			add(at.Field("key").Index(i), "%s is set by the gateway after authentication, and a header key is read from the client's request before it; use consumer", name)
		}
	}
	if len(s.Limits) == 0 && len(s.Tiers) == 0 {
		add(at.Field("limits"), "required: at least one limit (or tiers)")
	}
	errs = append(errs, validateLimits(at.Field("limits"), s.Limits, alg)...)
	seen := map[string]bool{}
	for i, t := range s.Tiers {
		p := at.Field("tiers").Index(i)
		if t.Group == "" {
			add(p.Field("group"), "required")
		} else if seen[t.Group] {
			add(p.Field("group"), "duplicate tier for group %q", t.Group)
		}
		seen[t.Group] = true
		switch {
		case t.Unlimited && len(t.Limits) > 0:
			add(p, "limits and unlimited are exclusive")
		case !t.Unlimited && len(t.Limits) == 0:
			add(p.Field("limits"), "required unless unlimited: true")
		}
		errs = append(errs, validateLimits(p.Field("limits"), t.Limits, alg)...)
	}
	if s.MaxDelay < 0 {
		add(at.Field("max_delay"), "must not be negative")
	} else if s.MaxDelay != 0 && err == nil && alg != ratelimit.LeakyBucket {
		add(at.Field("max_delay"), "only used with algorithm: leaky_bucket")
	}
	errs = append(errs, validateStore(at, s.Store, s.Redis, s.OnStoreFailure, s.MaxKeys)...)
	if s.MaxMemoryMB < 0 {
		errs = append(errs, config.Errorf(at.Field("max_memory_mb"), "must not be negative"))
	} else if s.MaxMemoryMB > maxMemoryMB {
		errs = append(errs, config.Errorf(at.Field("max_memory_mb"), "must be at most %d (1 TiB)", maxMemoryMB))
	}
	if strings.ContainsAny(s.Name, "\";,\r\n") {
		add(at.Field("name"), `must not contain '"', ';', ',' or line breaks`)
	}
	return errs
}

// validateStore checks where counters are kept.
func validateStore(at config.Path, store string, redis *RedisSpec, onFailure string, maxKeys int) []config.FieldError {
	var errs []config.FieldError
	add := func(p config.Path, f string, a ...any) { errs = append(errs, config.Errorf(p, f, a...)) }
	switch store {
	case "", "local":
		if redis != nil {
			add(at.Field("redis"), `only used with store: redis`)
		}
	case "redis":
		if redis == nil || len(redis.Addrs) == 0 {
			add(at.Field("redis").Field("addrs"), "required with store: redis")
		}
		if redis != nil && redis.Timeout < 0 {
			add(at.Field("redis").Field("timeout"), "must not be negative")
		}
	default:
		add(at.Field("store"), "unknown store %q: want local or redis%s", store, config.Suggest(store, []string{"local", "redis"}))
	}
	if _, err := ratelimit.ParseOnFailure(onFailure); err != nil {
		add(at.Field("on_store_failure"), "unknown value %q: want local, allow or deny%s", onFailure,
			config.Suggest(onFailure, []string{"local", "allow", "deny"}))
	}
	if maxKeys < 0 {
		add(at.Field("max_keys"), "must not be negative")
	}
	return errs
}

func validateLimits(at config.Path, ls []LimitSpec, alg ratelimit.Algorithm) []config.FieldError {
	var errs []config.FieldError
	for i, l := range ls {
		p := at.Index(i)
		if l.Requests <= 0 {
			errs = append(errs, config.Errorf(p.Field("requests"), "must be > 0"))
		}
		if l.Per.D() <= 0 {
			errs = append(errs, config.Errorf(p.Field("per"), "required: a duration > 0, e.g. 1s or 1m"))
		} else if l.Per.D() < time.Millisecond {
			errs = append(errs, config.Errorf(p.Field("per"), "must be at least 1ms"))
		}
		if l.Burst < 0 {
			errs = append(errs, config.Errorf(p.Field("burst"), "must not be negative"))
		} else if l.Burst != 0 && alg != ratelimit.TokenBucket {
			errs = append(errs, config.Errorf(p.Field("burst"), "only used with algorithm: token_bucket"))
		}
	}
	return errs
}

func validKey(k string) bool {
	for _, p := range keyParts {
		if strings.HasSuffix(p, ":") {
			if name, ok := strings.CutPrefix(k, p); ok && name != "" {
				return true
			}
			continue
		}
		if k == p {
			return true
		}
	}
	return false
}

func (l LimitSpec) limit(maxDelay time.Duration) ratelimit.Limit {
	return ratelimit.Limit{Requests: l.Requests, Per: l.Per.D(), Burst: l.Burst, MaxDelay: maxDelay}
}

// fingerprint identifies the settings that counters depend on, so that a
// reload keeps counters exactly when these are unchanged.
func (s *Spec) fingerprint() string {
	return fmt.Sprintf("%s|%v|%+v|%+v|%v", s.Algorithm, s.Key, s.Limits, s.Tiers, s.MaxDelay)
}

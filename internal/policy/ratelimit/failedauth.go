package ratelimit

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
	"github.com/gatehouse/gatehouse/internal/ratelimit"
)

func init() {
	pipeline.Register("failed_auth_limit", pipeline.PhasePreAuthLimit, func() pipeline.Spec { return &FailedAuthSpec{} })
}

// FailedAuthSpec is the failed_auth_limit policy's settings: how many
// failed authentications (a credential presented and refused with 401) a
// client may make. Past the limit its requests are refused with 429
// before authentication runs, right credentials or not, until the limit
// allows again. Requests that authenticate, or carry no credential, do
// not count.
type FailedAuthSpec struct {
	// Key says whose failures are counted: a list of ip, header:NAME,
	// path, route, service, global. Default [ip].
	Key []string `yaml:"key"`
	// Limits all apply: failures allowed per window.
	Limits []LimitSpec `yaml:"limits"`
	// Algorithm: token_bucket (default) or sliding_window.
	Algorithm string `yaml:"algorithm"`
	// Store is "local" (default) or "redis", as for rate_limit.
	Store string `yaml:"store"`
	// Redis locates the shared store when store is redis.
	Redis *RedisSpec `yaml:"redis"`
	// OnStoreFailure while Redis is unreachable: local (default), allow
	// or deny (503).
	OnStoreFailure string `yaml:"on_store_failure"`
	// MaxKeys caps the keys of the local store. Default 1000000.
	MaxKeys int `yaml:"max_keys"`
}

// Validate checks the settings.
func (s *FailedAuthSpec) Validate(at config.Path) []config.FieldError {
	var errs []config.FieldError
	add := func(p config.Path, f string, a ...any) { errs = append(errs, config.Errorf(p, f, a...)) }
	alg, err := ratelimit.ParseAlgorithm(s.Algorithm)
	switch {
	case err != nil:
		add(at.Field("algorithm"), "unknown algorithm %q: want token_bucket or sliding_window%s",
			s.Algorithm, config.Suggest(s.Algorithm, []string{"token_bucket", "sliding_window"}))
	case alg == ratelimit.LeakyBucket:
		add(at.Field("algorithm"), "leaky_bucket delays requests, and failures are counted after the fact: want token_bucket or sliding_window")
	}
	for i, k := range s.Key {
		p := at.Field("key").Index(i)
		kind, name, _ := strings.Cut(k, ":")
		isHeader := kind == "header"
		switch {
		case !validKey(k):
			add(p, "unknown key %q: want ip, header:NAME, path, route, service or global%s",
				k, config.Suggest(k, []string{"ip", "path", "route", "service", "global"}))
		case needsIdentity(k):
			add(p, "a failed authentication has no %s: want ip, header:NAME, path, route, service or global", kind)
		case isHeader && config.RequestHeaderProblem(name) != "":
			add(p, "%s", config.RequestHeaderProblem(name))
		case isHeader && setByGateway(name):
			add(p, "%s is set by the gateway, never by a client whose authentication failed", name)
		}
	}
	if len(s.Limits) == 0 {
		add(at.Field("limits"), "required: at least one limit, e.g. { requests: 5, per: 1m }")
	}
	errs = append(errs, validateLimits(at.Field("limits"), s.Limits, alg)...)
	return append(errs, validateStore(at, s.Store, s.Redis, s.OnStoreFailure, s.MaxKeys)...)
}

// rateLimit is the settings as a rate_limit, whose store building they
// share. Its config path differs, so the counters are its own.
func (s *FailedAuthSpec) rateLimit() *Spec {
	return &Spec{Algorithm: s.Algorithm, Key: s.Key, Limits: s.Limits, Store: s.Store, Redis: s.Redis,
		OnStoreFailure: s.OnStoreFailure, MaxKeys: s.MaxKeys}
}

// failedAuth is one built failed_auth_limit.
type failedAuth struct {
	alg     ratelimit.Algorithm
	store   ratelimit.Store
	parts   []keyPart
	limits  []ratelimit.Limit
	suffix  []string
	scratch sync.Pool
}

// Build compiles the settings and takes the store from the state pool.
func (s *FailedAuthSpec) Build(ctx pipeline.BuildContext) (pipeline.Policy, error) {
	alg, _ := ratelimit.ParseAlgorithm(s.Algorithm)
	p := &failedAuth{alg: alg}
	keys := s.Key
	if len(keys) == 0 {
		keys = []string{"ip"}
	}
	for _, k := range keys {
		kind, n, _ := strings.Cut(k, ":")
		p.parts = append(p.parts, keyPart{kind: kind, name: n})
	}
	for i, l := range s.Limits {
		p.limits = append(p.limits, l.limit(0))
		p.suffix = append(p.suffix, "#failed#"+strconv.Itoa(i))
	}
	p.scratch.New = func() any {
		return &scratch{checks: make([]ratelimit.Check, len(p.limits)), out: make([]ratelimit.Decision, len(p.limits))}
	}
	store, err := s.rateLimit().buildStore(ctx)
	if err != nil {
		return nil, err
	}
	p.store = store
	return p, nil
}

// Handle refuses a client past its failures before authentication runs,
// and counts the request once it has failed authentication.
//
// The check and the count are two steps: attempts already past the check
// when the limit is reached still finish, at most one per connection the
// client has open. A rate_limit keyed by ip bounds those too.
func (p *failedAuth) Handle(w http.ResponseWriter, r *http.Request, next pipeline.Handler) error {
	st := pipeline.FromRequest(r)
	sc := p.scratch.Get().(*scratch)
	defer p.scratch.Put(sc)
	checks, out := sc.checks, sc.out
	sc.key = appendKey(sc.key[:0], p.parts, st, r)
	base := len(sc.key)
	for i, l := range p.limits {
		sc.key = append(sc.key[:base], p.suffix[i]...)
		checks[i] = ratelimit.Check{Key: string(sc.key), Limit: l}
	}
	defer clear(checks) // do not keep keys alive in the pool
	if err := p.store.Peek(r.Context(), p.alg, checks, out); err != nil {
		if errors.Is(err, ratelimit.ErrStoreDown) {
			return errStoreDown
		}
		st.ClientGone = r.Context().Err() != nil
		return pipeline.Wrap(http.StatusServiceUnavailable, "rate limiting unavailable", err)
	}
	if worst := pick(out); !out[worst].Allowed {
		return &pipeline.Error{Status: http.StatusTooManyRequests, Msg: "too many failed authentications",
			Header: http.Header{"Retry-After": {strconv.FormatInt(ceilSeconds(out[worst].RetryAfter, 1), 10)}}}
	}
	err := next(w, r)
	if st.CredentialRefused {
		// Counted even if the client has gone: the attempt was made. A
		// store error only loses this one count.
		_ = p.store.Take(context.WithoutCancel(r.Context()), p.alg, checks, out)
	}
	return err
}

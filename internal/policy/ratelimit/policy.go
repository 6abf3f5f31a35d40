package ratelimit

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/pipeline"
	"github.com/gatehouse/gatehouse/internal/ratelimit"
	"github.com/gatehouse/gatehouse/internal/statepool"
)

// DefaultMaxDelay is how long leaky_bucket holds a request at most.
const DefaultMaxDelay = time.Second

// policy is one built rate_limit.
type policy struct {
	alg      ratelimit.Algorithm
	store    ratelimit.Store
	parts    []keyPart
	base     *limitSet
	tiers    []tier
	ietf     bool
	legacy   bool
	scratch  sync.Pool
	maxLimit int
}

type tier struct {
	group     string
	unlimited bool
	set       *limitSet
}

// limitSet is one list of limits with its header text computed once.
type limitSet struct {
	limits []ratelimit.Limit
	// suffix[i] ends the key of limit i, so tiers never share counters.
	suffix []string
	names  []string
	// quoted[i] is `"name";r=` for the RateLimit header.
	quoted []string
	// policy is the RateLimit-Policy value, shared read-only (cap 1, so
	// an append by anyone else copies).
	policy []string
}

type keyPart struct {
	kind string // ip, consumer, ...
	name string // header or claim name
}

type scratch struct {
	key    []byte
	checks []ratelimit.Check
	out    []ratelimit.Decision
}

// Build compiles the settings and takes the store (with its counters)
// from the state pool, so a reload with unchanged limits keeps counting.
func (s *Spec) Build(ctx pipeline.BuildContext) (pipeline.Policy, error) {
	alg, _ := ratelimit.ParseAlgorithm(s.Algorithm)
	maxDelay := s.MaxDelay.D()
	if maxDelay == 0 {
		maxDelay = DefaultMaxDelay
	}
	name := s.Name
	if name == "" {
		name = "default"
	}
	p := &policy{alg: alg, ietf: s.Headers.IETF == nil || *s.Headers.IETF, legacy: s.Headers.Legacy}
	p.base = newLimitSet(name, "", s.Limits, maxDelay)
	p.maxLimit = len(s.Limits)
	for _, t := range s.Tiers {
		p.tiers = append(p.tiers, tier{group: t.Group, unlimited: t.Unlimited, set: newLimitSet(name, t.Group, t.Limits, maxDelay)})
		p.maxLimit = max(p.maxLimit, len(t.Limits))
	}
	keys := s.Key
	if len(keys) == 0 {
		keys = []string{"ip"}
	}
	for _, k := range keys {
		kind, n, _ := strings.Cut(k, ":")
		p.parts = append(p.parts, keyPart{kind: kind, name: n})
	}
	p.scratch.New = func() any {
		return &scratch{checks: make([]ratelimit.Check, p.maxLimit), out: make([]ratelimit.Decision, p.maxLimit)}
	}
	store, err := s.buildStore(ctx)
	if err != nil {
		return nil, err
	}
	p.store = store
	return p, nil
}

func newLimitSet(name, group string, ls []LimitSpec, maxDelay time.Duration) *limitSet {
	set := &limitSet{}
	var pol []string
	for i, l := range ls {
		set.limits = append(set.limits, l.limit(maxDelay))
		set.suffix = append(set.suffix, "#"+group+"#"+strconv.Itoa(i))
		n := name
		if len(ls) > 1 {
			n = name + "-" + strconv.Itoa(i)
		}
		set.names = append(set.names, n)
		set.quoted = append(set.quoted, strconv.Quote(n)+";r=")
		pol = append(pol, fmt.Sprintf("%q;q=%d;w=%d", n, l.Requests, int64(l.Per.D().Seconds()+0.999)))
	}
	set.policy = []string{strings.Join(pol, ", ")}
	return set
}

// buildStore takes the store from the state pool. Its key holds the
// policy's place in the config and every setting counters depend on.
func (s *Spec) buildStore(ctx pipeline.BuildContext) (ratelimit.Store, error) {
	id := string(ctx.Path) + "|" + s.fingerprint()
	local := func() (*ratelimit.Local, error) {
		return ratelimit.NewLocalSized(s.MaxKeys, int64(s.MaxMemoryMB)<<20, nil), nil
	}
	if s.Store != "redis" {
		return statepool.Get(ctx.State, "ratelimit-local|"+id+"|"+strconv.Itoa(s.MaxKeys)+"|"+strconv.Itoa(s.MaxMemoryMB), local)
	}
	r := s.Redis
	sum := sha256.Sum256([]byte(id))
	prefix := r.Prefix
	if prefix == "" {
		prefix = "gatehouse:rl:"
	}
	prefix += hex.EncodeToString(sum[:6]) + ":"
	mode, _ := ratelimit.ParseOnFailure(s.OnStoreFailure)
	storeName := strings.Join(r.Addrs, ",")
	key := fmt.Sprintf("ratelimit-redis|%s|%+v|%s|%d|%d|%d", id, *r, s.OnStoreFailure, s.MaxKeys, s.MaxMemoryMB, mode)
	return statepool.Get(ctx.State, key, func() (*ratelimit.Shared, error) {
		rc := ratelimit.NewRedis(ratelimit.RedisOptions{
			Addrs: r.Addrs, MasterName: r.MasterName, Username: r.Username, Password: r.Password,
			DB: r.DB, Timeout: r.Timeout.D(), PoolSize: r.PoolSize,
		}, prefix)
		l, _ := local()
		return ratelimit.NewShared(rc, l, mode, storeName, ctx.Logger), nil
	})
}

var errStoreDown = &pipeline.Error{Status: http.StatusServiceUnavailable, Msg: "rate limiting unavailable",
	Header: http.Header{"Retry-After": {"1"}}}

// Handle counts the request and refuses it past a limit.
func (p *policy) Handle(w http.ResponseWriter, r *http.Request, next pipeline.Handler) error {
	st := pipeline.FromRequest(r)
	set := p.base
	if st.Consumer != nil {
		for _, t := range p.tiers {
			if st.Consumer.InGroup(t.group) {
				if t.unlimited {
					return next(w, r)
				}
				set = t.set
				break
			}
		}
	}
	if len(set.limits) == 0 {
		return next(w, r)
	}
	sc := p.scratch.Get().(*scratch)
	defer p.scratch.Put(sc)
	sc.key = compactKey(p.appendKey(sc.key[:0], st, r))
	n := len(set.limits)
	checks, out := sc.checks[:n], sc.out[:n]
	base := len(sc.key)
	for i, l := range set.limits {
		sc.key = append(sc.key[:base], set.suffix[i]...)
		checks[i] = ratelimit.Check{Key: string(sc.key), Limit: l}
	}
	err := p.store.Take(r.Context(), p.alg, checks, out)
	clear(checks) // do not keep keys alive in the pool
	if err != nil {
		if errors.Is(err, ratelimit.ErrStoreDown) {
			return errStoreDown
		}
		st.ClientGone = r.Context().Err() != nil
		return pipeline.Wrap(http.StatusServiceUnavailable, "rate limiting unavailable", err)
	}
	worst := pick(out)
	if !out[worst].Allowed {
		consumer := "anonymous"
		if st.Consumer != nil {
			consumer = st.Consumer.Name
		}
		metrics.RateLimitExceeded.WithLabelValues(consumer, st.Route).Inc()
		h := http.Header{"Retry-After": {strconv.FormatInt(ceilSeconds(out[worst].RetryAfter, 1), 10)}}
		p.setHeaders(h, set, out[worst], worst, sc)
		return &pipeline.Error{Status: http.StatusTooManyRequests, Msg: "rate limit exceeded", Header: h}
	}
	p.setHeaders(w.Header(), set, out[worst], worst, sc)
	if d := maxDelay(out); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			st.ClientGone = true
			return nil
		}
	}
	return next(w, r)
}

// pick returns the decision that speaks for the request: a refusal if
// there is one (the longest wait), else the limit with least remaining.
func pick(out []ratelimit.Decision) int {
	best := 0
	for i := 1; i < len(out); i++ {
		a, b := out[i], out[best]
		switch {
		case !a.Allowed && (b.Allowed || a.RetryAfter > b.RetryAfter):
			best = i
		case a.Allowed && b.Allowed && a.Remaining < b.Remaining:
			best = i
		}
	}
	return best
}

func maxDelay(out []ratelimit.Decision) time.Duration {
	var d time.Duration
	for _, o := range out {
		d = max(d, o.Delay)
	}
	return d
}

func (p *policy) setHeaders(h http.Header, set *limitSet, d ratelimit.Decision, i int, sc *scratch) {
	reset := ceilSeconds(d.Reset, 0)
	if !d.Allowed {
		reset = ceilSeconds(d.RetryAfter, 1)
	}
	remaining := max(d.Remaining, 0)
	if p.ietf {
		h["Ratelimit-Policy"] = set.policy
		b := append(sc.key[:0], set.quoted[i]...)
		b = strconv.AppendInt(b, remaining, 10)
		b = append(b, ";t="...)
		b = strconv.AppendInt(b, reset, 10)
		sc.key = b
		h["Ratelimit"] = []string{string(b)}
	}
	if p.legacy {
		h["X-Ratelimit-Limit"] = []string{strconv.FormatInt(set.limits[i].Requests, 10)}
		h["X-Ratelimit-Remaining"] = []string{strconv.FormatInt(remaining, 10)}
		h["X-Ratelimit-Reset"] = []string{strconv.FormatInt(reset, 10)}
	}
}

func ceilSeconds(d time.Duration, minimum int64) int64 {
	return max(int64((d+time.Second-1)/time.Second), minimum)
}

// appendKey builds the counted identity. Parts are length-prefixed so no
// value can imitate another's boundary; an absent value is its own key
// (all requests without the header share one bucket).
func (p *policy) appendKey(b []byte, st *pipeline.State, r *http.Request) []byte {
	return appendKey(b, p.parts, st, r)
}

func appendKey(b []byte, parts []keyPart, st *pipeline.State, r *http.Request) []byte {
	for _, part := range parts {
		var v string
		switch part.kind {
		case "ip":
			v = st.ClientIP
		case "consumer":
			if st.Consumer != nil {
				v = st.Consumer.Name
			}
		case "credential":
			v = st.Credential
		case "path":
			v = st.Path
		case "route":
			v = st.Route
		case "service":
			v = st.Service
		case "global":
		case "header":
			v = r.Header.Get(part.name)
		case "claim":
			if c, ok := st.Claims[part.name]; ok {
				v = fmt.Sprint(c)
			}
		}
		b = append(b, part.kind...)
		b = append(b, '=')
		b = strconv.AppendInt(b, int64(len(v)), 10)
		b = append(b, ':')
		b = append(b, v...)
		b = append(b, ';')
	}
	return b
}

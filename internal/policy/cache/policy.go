package cache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/cache"
	"github.com/gatehouse/gatehouse/internal/pipeline"
	"github.com/gatehouse/gatehouse/internal/statepool"
)

// policy is a built cache policy.
type policy struct {
	route      string
	ttl        time.Duration
	methods    map[string]bool
	shareAuth  bool
	setCookie  bool
	swr, sie   time.Duration
	lock       time.Duration
	maxEntry   int64
	keyer      *keyer
	kept       *kept
	tail       []pipeline.ResponsePolicy
	clock      func() time.Time
	background context.Context
}

// kept is what outlives a reload while the policy's store settings stay:
// the store, the Vary fields seen per key, and requests in flight.
type kept struct {
	store   cache.Store
	vary    sync.Map // primary key → []string
	flights flights
}

func (k *kept) Close() error {
	if c, ok := k.store.(interface{ Close() error }); ok {
		return c.Close()
	}
	return nil
}

// Build makes the policy; its store is kept across reloads per route and
// store size.
func (s *Spec) Build(bc pipeline.BuildContext) (pipeline.Policy, error) {
	p := &policy{
		route:      bc.Route,
		ttl:        s.TTL.D(),
		methods:    map[string]bool{http.MethodGet: true, http.MethodHead: true},
		shareAuth:  s.ShareAuthenticated,
		setCookie:  s.StoreSetCookie,
		swr:        s.StaleWhileRevalidate.D(),
		sie:        s.StaleIfError.D(),
		lock:       s.LockTimeout.D(),
		maxEntry:   int64(s.MaxEntryBytes),
		keyer:      newKeyer(s.Key),
		clock:      time.Now,
		background: context.Background(),
	}
	if s.Methods != nil {
		p.methods = map[string]bool{}
		for _, m := range s.Methods {
			p.methods[strings.ToUpper(m)] = true
		}
	}
	if p.lock == 0 {
		p.lock = defaultLockTimeout
	}
	if p.maxEntry == 0 {
		p.maxEntry = defaultMaxEntryBytes
	}
	mem := s.MemoryBytes
	if mem == 0 {
		mem = defaultMemoryBytes
	}
	stateKey, create := "cache|"+bc.Route+"|memory|"+itoa(mem), func() (*kept, error) {
		return &kept{store: cache.NewMemory(uint64(mem), evicted.Inc)}, nil
	}
	if r := s.Redis; s.Store == "redis" {
		o := cache.RedisOptions{Addrs: r.Addrs, MasterName: r.MasterName, Username: r.Username,
			Password: r.Password, DB: r.DB, Timeout: r.Timeout.D(), Prefix: r.Prefix}
		stateKey = "cache|" + bc.Route + "|redis|" + strings.Join(r.Addrs, ",") + "|" + r.MasterName + "|" +
			r.Username + "|" + itoa(int64(r.DB)) + "|" + r.Prefix + "|" + r.Timeout.D().String() + "|" + hashSecret(r.Password)
		create = func() (*kept, error) { return &kept{store: cache.NewRedis(o)}, nil }
	}
	k, err := statepool.Get(bc.State, stateKey, create)
	if err != nil {
		return nil, err
	}
	p.kept = k
	cache.Stores.Register(bc.Route, k.store)
	return p, nil
}

// UseResponseTail receives the response policies after the cache, which
// a hit passes through as a response from the service would.
func (p *policy) UseResponseTail(tail []pipeline.ResponsePolicy) { p.tail = tail }

// reqState is one request's dealings with the cache, carried from Handle
// to ModifyResponse in the request's context.
type reqState struct {
	key      string // primary key
	full     string // with the Vary values, when known
	client   *http.Request
	stale    *cache.Entry // a stale entry this request may revalidate or fall back to
	cond     bool         // the request carries our conditional headers
	fallback bool         // stale-if-error may answer for a failed try
	answered bool         // ModifyResponse saw the service's answer
	status   string       // Cache-Status parameters so far
}

type stateKey struct{}

// Handle answers from the cache or sends the request on, prepared to
// store its answer.
func (p *policy) Handle(w http.ResponseWriter, r *http.Request, next pipeline.Handler) error {
	st := pipeline.FromRequest(r)
	if !p.methods[r.Method] {
		setStatus(w.Header(), "fwd=method")
		return next(w, r)
	}
	authed := len(r.Header["Authorization"]) > 0 || st.Consumer != nil || st.Credential != ""
	if authed && !p.shareAuth {
		setStatus(w.Header(), "fwd=bypass; detail=authenticated")
		return next(w, r)
	}
	key := p.keyer.key(r, st, authed)
	now := p.clock()
	e, full := p.lookup(key, r.Header)
	if e != nil && e.IsFresh(now) {
		hits.Inc()
		return p.serve(w, r, st, e, now, "hit")
	}
	if e != nil && !e.MustRevalidate && -e.TTL(now) <= e.StaleWhileRevalidate {
		staleServed.Inc()
		p.revalidateInBackground(next, r, st, key, full, e)
		return p.serve(w, r, st, e, now, "hit; detail=stale-while-revalidate")
	}
	// Miss or stale: one request per key goes to the service.
	f, leader := p.kept.flights.join(full)
	if !leader {
		coalesced.Inc()
		if f.wait(r.Context(), p.lock) {
			if e2, _ := p.lookup(key, r.Header); e2 != nil && e2.IsFresh(p.clock()) {
				return p.serve(w, r, st, e2, p.clock(), "hit; collapsed")
			}
		}
	} else {
		defer p.kept.flights.done(full, f)
	}
	misses.Inc()
	rs := &reqState{key: key, full: full, client: r, stale: e, status: "fwd=uri-miss"}
	if e != nil {
		rs.status = "fwd=stale"
		rs.fallback = !e.MustRevalidate && -e.TTL(now) <= e.StaleIfError
		if !conditional(r.Header) {
			if addValidators(r.Header, e) {
				rs.cond = true
				revalidations.Inc()
			}
		}
	}
	r = r.WithContext(context.WithValue(r.Context(), stateKey{}, rs))
	if rs.fallback {
		w = &fallbackWriter{ResponseWriter: w, p: p, r: r, st: st, rs: rs}
	}
	err := next(w, r)
	if fw, ok := w.(*fallbackWriter); ok {
		return fw.finish(err)
	}
	return err
}

// lookup finds the entry for key, reading the Vary fields stored for it.
// full is the key with this request's Vary values.
func (p *policy) lookup(key string, h http.Header) (*cache.Entry, string) {
	full := key
	if names, ok := p.kept.vary.Load(key); ok {
		full = varyKey(key, names.([]string), h)
	}
	e, ok := p.kept.store.Get(full)
	if !ok {
		return nil, full
	}
	return e, full
}

// conditional says the client sent its own validators: its 304 is its
// business, and the cache must not add its own.
func conditional(h http.Header) bool {
	return len(h["If-None-Match"]) > 0 || len(h["If-Modified-Since"]) > 0
}

// addValidators makes the request conditional on the stale entry.
func addValidators(h http.Header, e *cache.Entry) bool {
	added := false
	if et := e.Header["Etag"]; len(et) > 0 {
		h["If-None-Match"] = []string{et[0]}
		added = true
	}
	if lm := e.Header["Last-Modified"]; len(lm) > 0 {
		h["If-Modified-Since"] = []string{lm[0]}
		added = true
	}
	return added
}

func stateOf(r *http.Request) *reqState {
	if r == nil {
		return nil
	}
	rs, _ := r.Context().Value(stateKey{}).(*reqState)
	return rs
}

func setStatus(h http.Header, params string) {
	h["Cache-Status"] = []string{"gatehouse; " + params}
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return string(b[i:])
}

// hashSecret lets a changed password make a new store without putting the
// password in the state pool's keys.
func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

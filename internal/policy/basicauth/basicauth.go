// Package basicauth is the basic_auth policy: HTTP Basic credentials
// checked against the bcrypt hashes of the consumers' users.
package basicauth

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gatehouse/gatehouse/internal/authn"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/consumer"
	"github.com/gatehouse/gatehouse/internal/pipeline"
	"github.com/gatehouse/gatehouse/internal/statepool"
)

func init() {
	pipeline.Register("basic_auth", pipeline.PhaseAuthenticate, func() pipeline.Spec { return &Spec{} })
}

// Defaults of the settings.
const (
	DefaultRealm     = "gatehouse"
	DefaultCacheTTL  = config.Duration(5 * time.Minute)
	DefaultCacheSize = 1000
)

// Spec is the settings of basic_auth. Users belong to consumers
// (consumers[].basic_auth).
type Spec struct {
	// Realm is named in WWW-Authenticate. Default "gatehouse".
	Realm string `yaml:"realm"`
	// HideCredentials removes the Authorization header before proxying.
	HideCredentials bool `yaml:"hide_credentials"`
	// Anonymous lets requests without credentials through (other methods
	// on the route may still authenticate them). Wrong credentials are
	// still refused.
	Anonymous bool `yaml:"anonymous"`
	// CacheTTL is how long a successful check is remembered, so a client
	// does not pay for bcrypt on every request. Default 5m.
	CacheTTL config.Duration `yaml:"cache_ttl"`
	// CacheSize bounds the remembered checks. Default 1000; -1 disables.
	CacheSize int `yaml:"cache_size"`
}

// AllowsAnonymous implements authn.Method.
func (s *Spec) AllowsAnonymous() bool { return s.Anonymous }

// Challenge implements authn.Method.
func (s *Spec) Challenge() string {
	realm := s.Realm
	if realm == "" {
		realm = DefaultRealm
	}
	return authn.Challenge("Basic", realm) + `, charset="UTF-8"`
}

// Validate checks the settings.
func (s *Spec) Validate(at config.Path) []config.FieldError {
	var errs []config.FieldError
	if s.CacheTTL < 0 {
		errs = append(errs, config.Errorf(at.Field("cache_ttl"), "must not be negative"))
	}
	if s.CacheSize < -1 {
		errs = append(errs, config.Errorf(at.Field("cache_size"), "must be -1 (off), 0 (default) or positive"))
	}
	return errs
}

// Policy is the built basic_auth policy.
type Policy struct {
	source authn.Source
	index  *consumer.Index
	plan   authn.Plan
	hide   bool
	cache  *authn.Cache[okEntry]
	ttl    time.Duration
	// cost is the bcrypt cost of the configured hashes.
	cost int
}

type okEntry struct {
	consumer *pipeline.Consumer
	id       string
}

// dummyHashes are checked for unknown users, at the cost of the
// configured hashes, so that unknown users take as long as known ones and
// user names cannot be probed by timing. Made on first use per cost:
// bcrypt is slow by design, and most processes never need it.
var dummyHashes sync.Map // cost -> []byte

func dummyHash(cost int) []byte {
	if h, ok := dummyHashes.Load(cost); ok {
		return h.([]byte)
	}
	h, err := bcrypt.GenerateFromPassword([]byte("gatehouse-no-such-user"), cost)
	if err != nil {
		h, _ = bcrypt.GenerateFromPassword([]byte("gatehouse-no-such-user"), bcrypt.DefaultCost)
	}
	dummyHashes.Store(cost, h)
	return h
}

// Build compiles the settings.
func (s *Spec) Build(bc pipeline.BuildContext) (pipeline.Policy, error) {
	ix, err := consumer.For(bc)
	if err != nil {
		return nil, err
	}
	plan, err := authn.PlanFor(bc, "basic_auth", s)
	if err != nil {
		return nil, err
	}
	p := &Policy{
		source: authn.NewSource("Authorization", "Basic", "", ""),
		index:  ix,
		plan:   plan,
		hide:   s.HideCredentials,
		ttl:    s.CacheTTL.D(),
	}
	if p.ttl == 0 {
		p.ttl = DefaultCacheTTL.D()
	}
	p.cost = bcrypt.DefaultCost
	if bc.Config != nil {
		for _, c := range bc.Config.Consumers {
			for _, u := range c.BasicAuth {
				if cost, err := bcrypt.Cost([]byte(u.PasswordBcrypt)); err == nil {
					p.cost = cost
				}
			}
		}
	}
	size := s.CacheSize
	if size == 0 {
		size = DefaultCacheSize
	}
	if size > 0 {
		var cs []byte
		if bc.Config != nil {
			for _, c := range bc.Config.Consumers {
				for _, u := range c.BasicAuth {
					cs = append(cs, c.Name+"\x00"+u.Username+"\x00"+u.PasswordBcrypt+"\x00"...)
				}
			}
		}
		sum := sha256.Sum256(cs)
		key := "basic_auth|ok|" + hex.EncodeToString(sum[:8])
		if p.cache, err = statepool.Get(bc.State, key, func() (*authn.Cache[okEntry], error) {
			return authn.NewCache[okEntry](size), nil
		}); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Precheck implements pipeline.Prechecker: an ambiguous credential is
// refused before any method runs.
func (p *Policy) Precheck(r *http.Request) error { return p.source.Check(r) }

// OwnedHeaders implements pipeline.HeaderOwner: the consumer headers.
func (p *Policy) OwnedHeaders() []string { return authn.IdentityHeaders(nil) }

// Handle authenticates the request by its Basic credentials, if any.
func (p *Policy) Handle(w http.ResponseWriter, r *http.Request, next pipeline.Handler) error {
	st := pipeline.FromRequest(r)
	if authn.Authenticated(st) {
		return next(w, r)
	}
	cred, where := p.source.Extract(r)
	if where == authn.Nowhere {
		if p.plan.Last && !p.plan.Anonymous {
			return p.plan.Missing()
		}
		return next(w, r)
	}
	e, ok := p.check(cred)
	if !ok {
		return authn.Refused(st, authn.Unauthorized("invalid username or password", p.plan.Challenges...))
	}
	if p.hide {
		p.source.Hide(r, where)
	}
	authn.SetIdentity(r, st, p.index, e.consumer, e.id)
	return next(w, r)
}

// check verifies base64(user:password). Successes are cached under a hash
// of the credentials, never the credentials themselves.
func (p *Policy) check(cred string) (okEntry, bool) {
	sum := sha256.Sum256([]byte(cred))
	key := string(sum[:])
	now := time.Now()
	if e, ok := p.cache.Get(key, now); ok {
		return e, true
	}
	raw, err := base64.StdEncoding.DecodeString(cred)
	if err != nil {
		return okEntry{}, false
	}
	user, pass, found := strings.Cut(string(raw), ":")
	if !found || user == "" {
		return okEntry{}, false
	}
	u, known := p.index.ByUser(user)
	hash := u.Bcrypt
	if !known {
		hash = dummyHash(p.cost)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(pass)) != nil || !known {
		return okEntry{}, false
	}
	e := okEntry{consumer: u.Consumer, id: "basic:" + user}
	p.cache.Put(key, e, now.Add(p.ttl))
	return e, true
}

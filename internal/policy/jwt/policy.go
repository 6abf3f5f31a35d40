package jwt

import (
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/authn"
	"github.com/gatehouse/gatehouse/internal/consumer"
	"github.com/gatehouse/gatehouse/internal/pipeline"
	"github.com/gatehouse/gatehouse/internal/statepool"
)

// maxUncachedTTL bounds how long a token without exp stays cached.
const maxUncachedTTL = 5 * time.Minute

// verified is what a good token resolved to, cached until its exp.
type verified struct {
	claims     map[string]any
	consumer   *pipeline.Consumer
	credential string
	// headers are the forward_claims values, in the policy's order.
	headers [][]string
}

// Policy is the built jwt policy.
type Policy struct {
	source   authn.Source
	verifier *verifier
	cache    *authn.Cache[*verified]
	index    *consumer.Index
	plan     authn.Plan
	forward  []authn.Forward
	owned    []string // identity headers, removed before any method runs
	hide     bool
	realm    string
	leeway   time.Duration
}

// Build compiles the settings: keys are read (PEM) or their JWKS fetch
// started, and the token cache taken from the state pool.
func (s *Spec) Build(bc pipeline.BuildContext) (pipeline.Policy, error) {
	ix, err := consumer.For(bc)
	if err != nil {
		return nil, err
	}
	plan, err := authn.PlanFor(bc, "jwt", s)
	if err != nil {
		return nil, err
	}
	algs, keys, err := s.keys(bc)
	if err != nil {
		return nil, err
	}
	p := &Policy{
		verifier: newVerifier(keys, algs, s.checks()),
		index:    ix,
		plan:     plan,
		hide:     s.HideCredentials,
		realm:    s.realm(),
		leeway:   s.Leeway.D(),
	}
	header := s.Header
	if header == "" {
		header = "Authorization"
	}
	scheme := ""
	if strings.EqualFold(header, "Authorization") {
		scheme = "Bearer"
	}
	p.source = authn.NewSource(header, scheme, s.Query, s.Cookie)
	p.forward = authn.Forwards(s.ForwardClaims)
	p.owned = authn.IdentityHeaders(authn.Headers(p.forward))
	size := s.CacheSize
	if size == 0 {
		size = DefaultCacheSize
	}
	if size > 0 {
		key := "jwt|tokens|" + s.hash() + "|" + consumersHash(bc)
		if p.cache, err = statepool.Get(bc.State, key, func() (*authn.Cache[*verified], error) {
			return authn.NewCache[*verified](size), nil
		}); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Precheck implements pipeline.Prechecker: an ambiguous credential is
// refused before any method runs.
func (p *Policy) Precheck(r *http.Request) error { return p.source.Check(r) }

// OwnedHeaders implements pipeline.HeaderOwner.
func (p *Policy) OwnedHeaders() []string { return p.owned }

// Handle authenticates the request by its token, if it has one.
func (p *Policy) Handle(w http.ResponseWriter, r *http.Request, next pipeline.Handler) error {
	st := pipeline.FromRequest(r)
	if authn.Authenticated(st) {
		return next(w, r)
	}
	token, where := p.source.Extract(r)
	if where == authn.Nowhere {
		if p.plan.Last && !p.plan.Anonymous {
			return p.plan.Missing()
		}
		return next(w, r)
	}
	now := time.Now()
	v, ok := p.cache.Get(token, now)
	if !ok {
		var f *failure
		if v, f = p.verify(token, now); f != nil {
			return authn.Refused(st, p.refuse(f))
		}
	}
	if p.hide {
		p.source.Hide(r, where)
	}
	authn.SetForwarded(r.Header, p.forward, v.headers)
	authn.SetIdentity(r, st, p.index, v.consumer, v.credential)
	if st != nil {
		st.Claims = v.claims
	}
	return next(w, r)
}

func (p *Policy) verify(token string, now time.Time) (*verified, *failure) {
	claims, f := p.verifier.verify(token, now)
	if f != nil {
		return nil, f
	}
	iss, _ := claims["iss"].(string)
	sub, _ := claims["sub"].(string)
	v := &verified{
		claims:     claims,
		consumer:   p.index.BySubject(iss, sub),
		credential: "jwt:" + iss + "|" + sub,
		headers:    authn.ForwardValues(p.forward, claims),
	}
	exp := now.Add(maxUncachedTTL)
	if t, has, _ := numericDate(claims, "exp"); has {
		exp = t.Add(p.leeway)
	}
	p.cache.Put(token, v, exp)
	return v, nil
}

func (p *Policy) refuse(f *failure) error {
	if f.Unavailable {
		return pipeline.Wrap(http.StatusServiceUnavailable, "authentication temporarily unavailable", f)
	}
	e := authn.Unauthorized("invalid token: "+f.Desc, authn.BearerError(p.realm, "invalid_token", f.Desc))
	e.Err = f.cause // the library's reason, for the log; never the token
	return e
}

package jwt

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/authn"
	"github.com/gatehouse/gatehouse/internal/config"
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
	strip    []string // forwarded header names, removed from every request
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
	p.strip = authn.Headers(p.forward)
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

// keys returns the accepted algorithms and where keys come from.
func (s *Spec) keys(bc pipeline.BuildContext) ([]string, keySource, error) {
	switch {
	case s.Secret != "":
		algs := s.Algorithms
		if len(algs) == 0 {
			algs = []string{"HS256"}
		}
		return algs, &staticKeys{keys: []*key{{pub: []byte(s.Secret), algs: algs}}}, nil
	case s.PublicKeyFile != "":
		data, err := os.ReadFile(s.PublicKeyFile)
		if err != nil {
			return nil, nil, fmt.Errorf("reading public_key_file: %w", err)
		}
		pub, err := parsePublicKeyPEM(data)
		if err != nil {
			return nil, nil, fmt.Errorf("public_key_file %s: %w", s.PublicKeyFile, err)
		}
		algs := pinAlgs(pub, "", s.Algorithms)
		if len(algs) == 0 {
			return nil, nil, fmt.Errorf("public_key_file %s: key type cannot verify %s", s.PublicKeyFile, strings.Join(s.Algorithms, ", "))
		}
		return algs, &staticKeys{keys: []*key{{pub: pub, algs: algs}}}, nil
	}
	algs := s.Algorithms
	if len(algs) == 0 {
		algs = publicAlgs
	}
	o := keySetOptions{
		JWKSURL: s.JWKSURL, OIDCIssuer: s.OIDCIssuer, Algorithms: s.Algorithms,
		Refresh:  orDefault(s.JWKSRefresh, DefaultJWKSRefresh),
		Cooldown: orDefault(s.JWKSCooldown, DefaultJWKSCooldown),
		Timeout:  orDefault(s.JWKSTimeout, DefaultJWKSTimeout),
		Logger:   bc.Logger,
	}
	if o.Logger == nil {
		o.Logger = defaultLogger()
	}
	key := fmt.Sprintf("jwt|jwks|%s|%s|%v|%v|%v|%v", o.JWKSURL, o.OIDCIssuer, o.Algorithms, o.Refresh, o.Cooldown, o.Timeout)
	ks, err := statepool.Get(bc.State, key, func() (*keySet, error) { return newKeySet(o), nil })
	return algs, ks, err
}

func orDefault(d, def config.Duration) time.Duration {
	if d == 0 {
		return def.D()
	}
	return d.D()
}

func (s *Spec) checks() checks {
	c := checks{
		leeway:      s.Leeway.D(),
		maxLifetime: s.MaxLifetime.D(),
		requireExp:  s.RequireExp == nil || *s.RequireExp,
		issuers:     s.Issuers,
		audiences:   s.Audiences,
	}
	if len(c.issuers) == 0 && s.OIDCIssuer != "" {
		c.issuers = []string{s.OIDCIssuer}
	}
	for _, r := range s.RequiredClaims {
		c.required = append(c.required, splitPath(r))
	}
	for _, name := range sortedKeys(s.ClaimValues) {
		c.values = append(c.values, claimValue{path: splitPath(name), name: name, want: s.ClaimValues[name]})
	}
	return c
}

// hash names the settings the cached verdicts depend on.
func (s *Spec) hash() string {
	b, _ := json.Marshal(s)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

func consumersHash(bc pipeline.BuildContext) string {
	if bc.Config == nil {
		return ""
	}
	b, _ := json.Marshal(bc.Config.Consumers)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// Handle authenticates the request by its token, if it has one.
func (p *Policy) Handle(w http.ResponseWriter, r *http.Request, next pipeline.Handler) error {
	st := pipeline.FromRequest(r)
	if authn.Authenticated(st) {
		return next(w, r)
	}
	// Whatever happens next, the upstream only sees headers the gateway set.
	authn.StripIdentity(r.Header, p.strip)
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
			return p.refuse(f)
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
	e.Err = f
	return e
}

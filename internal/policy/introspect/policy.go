package introspect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/authn"
	"github.com/gatehouse/gatehouse/internal/consumer"
	"github.com/gatehouse/gatehouse/internal/pipeline"
	"github.com/gatehouse/gatehouse/internal/statepool"
)

// maxResponseBytes bounds an introspection response.
const maxResponseBytes = 64 << 10

// Policy is the built introspect policy.
type Policy struct {
	source  authn.Source
	index   *consumer.Index
	plan    authn.Plan
	client  *http.Client
	url     string
	id, pw  string
	timeout time.Duration
	ttl     time.Duration
	cache   *authn.Cache[*active]
	forward []authn.Forward
	owned   []string // identity headers, removed before any method runs
	hide    bool
	realm   string
}

// active is an active token's introspection result.
type active struct {
	claims     map[string]any
	consumer   *pipeline.Consumer
	credential string
	headers    [][]string
}

// Build compiles the settings.
func (s *Spec) Build(bc pipeline.BuildContext) (pipeline.Policy, error) {
	ix, err := consumer.For(bc)
	if err != nil {
		return nil, err
	}
	plan, err := authn.PlanFor(bc, "introspect", s)
	if err != nil {
		return nil, err
	}
	header := s.Header
	if header == "" {
		header = "Authorization"
	}
	scheme := ""
	if strings.EqualFold(header, "Authorization") {
		scheme = "Bearer"
	}
	p := &Policy{
		source:  authn.NewSource(header, scheme, s.Query, s.Cookie),
		index:   ix,
		plan:    plan,
		url:     s.URL,
		id:      s.ClientID,
		pw:      s.ClientSecret,
		timeout: s.Timeout.D(),
		ttl:     s.CacheTTL.D(),
		forward: authn.Forwards(s.ForwardClaims),
		hide:    s.HideCredentials,
		realm:   s.realm(),
	}
	p.owned = authn.IdentityHeaders(authn.Headers(p.forward))
	if p.timeout == 0 {
		p.timeout = DefaultTimeout.D()
	}
	if p.ttl == 0 {
		p.ttl = DefaultCacheTTL.D()
	}
	b, _ := json.Marshal(s)
	sum := sha256.Sum256(b)
	key := "introspect|" + hex.EncodeToString(sum[:8])
	p.client, err = statepool.Get(bc.State, key+"|client", func() (*http.Client, error) {
		return &http.Client{Timeout: p.timeout, Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}}, nil
	})
	if err != nil {
		return nil, err
	}
	size := s.CacheSize
	if size == 0 {
		size = DefaultCacheSize
	}
	if size > 0 {
		if p.cache, err = statepool.Get(bc.State, key+"|cache", func() (*authn.Cache[*active], error) {
			return authn.NewCache[*active](size), nil
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
	a, ok := p.cache.Get(token, now)
	if !ok {
		var err error
		if a, err = p.introspect(r.Context(), token, now); err != nil {
			return authn.Refused(st, err)
		}
	}
	if p.hide {
		p.source.Hide(r, where)
	}
	authn.SetForwarded(r.Header, p.forward, a.headers)
	authn.SetIdentity(r, st, p.index, a.consumer, a.credential)
	if st != nil {
		st.Claims = a.claims
	}
	return next(w, r)
}

func (p *Policy) invalid(desc string) error {
	return authn.Unauthorized("invalid token: "+desc, authn.BearerError(p.realm, "invalid_token", desc))
}

// errUnavailable is the server being down or slow: not the token's fault.
var errUnavailable = errors.New("introspection endpoint unavailable")

func (p *Policy) introspect(ctx context.Context, token string, now time.Time) (*active, error) {
	if token == "" || len(token) > maxTokenBytes {
		return nil, p.invalid("malformed token")
	}
	claims, err := p.call(ctx, token)
	if err != nil {
		// The cause names the endpoint and the failure, never the token.
		return nil, pipeline.Wrap(http.StatusServiceUnavailable, "authentication temporarily unavailable", err)
	}
	if act, _ := claims["active"].(bool); !act {
		return nil, p.invalid("token inactive")
	}
	until := now.Add(p.ttl)
	if n, ok := claims["exp"].(json.Number); ok {
		f, err := n.Float64()
		if err != nil || math.IsNaN(f) {
			return nil, p.invalid("malformed exp")
		}
		exp := time.Unix(int64(f), 0)
		if !now.Before(exp) {
			return nil, p.invalid("token expired")
		}
		if exp.Before(until) {
			until = exp
		}
	}
	iss, _ := claims["iss"].(string)
	sub, _ := claims["sub"].(string)
	if sub == "" {
		sub, _ = claims["username"].(string)
	}
	a := &active{
		claims:     claims,
		consumer:   p.index.BySubject(iss, sub),
		credential: "token:" + iss + "|" + sub,
		headers:    authn.ForwardValues(p.forward, claims),
	}
	if sub == "" {
		cid, _ := claims["client_id"].(string)
		a.credential = "token:client|" + cid
	}
	p.cache.Put(token, a, until)
	return a, nil
}

// call posts the token to the endpoint and decodes its answer.
func (p *Policy) call(ctx context.Context, token string) (map[string]any, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	form := url.Values{"token": {token}, "token_type_hint": {"access_token"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUnavailable, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if p.id != "" {
		req.SetBasicAuth(url.QueryEscape(p.id), url.QueryEscape(p.pw))
	}
	resp, err := p.client.Do(req)
	if err != nil {
		// *url.Error carries the URL only; the token is in the body.
		return nil, fmt.Errorf("%w: %v", errUnavailable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: status %d", errUnavailable, resp.StatusCode)
	}
	dec := json.NewDecoder(io.LimitReader(resp.Body, maxResponseBytes))
	dec.UseNumber()
	var claims map[string]any
	if err := dec.Decode(&claims); err != nil {
		return nil, fmt.Errorf("%w: decoding response: %v", errUnavailable, err)
	}
	return claims, nil
}

package extauthz

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/authn"
	"github.com/gatehouse/gatehouse/internal/consumer"
	"github.com/gatehouse/gatehouse/internal/pipeline"
	"github.com/gatehouse/gatehouse/internal/statepool"
)

// Policy is the built ext_authz policy.
type Policy struct {
	base                  string // URL without a trailing slash
	reqHeaders, upHeaders []string
	denyHeaders           []string
	consumerHeader        string
	includeBody, failOpen bool
	maxBody               int64
	ttl                   time.Duration
	client                *http.Client
	cache                 *authn.Cache[*decision]
	consumers             *consumer.Index
	owned                 []string
}

// decision is one answer of the authorizer, cached as it is.
type decision struct {
	allow    bool
	status   int
	header   http.Header // upstream headers on allow, denial headers on deny
	body     []byte      // denial body
	consumer *pipeline.Consumer
	name     string // consumer name as the authorizer sent it
}

func canonical(hs []string) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = http.CanonicalHeaderKey(h)
	}
	return out
}

// Build compiles the settings; the HTTP client and the decision cache are
// kept across reloads that leave the settings unchanged.
func (s *Spec) Build(bc pipeline.BuildContext) (pipeline.Policy, error) {
	p := &Policy{
		base:           strings.TrimSuffix(s.URL, "/"),
		reqHeaders:     canonical(s.RequestHeaders),
		upHeaders:      canonical(s.UpstreamHeaders),
		denyHeaders:    canonical(s.DenialHeaders),
		includeBody:    s.IncludeBody,
		failOpen:       s.FailureModeAllow,
		maxBody:        s.MaxBodyBytes,
		ttl:            s.CacheTTL.D(),
		consumerHeader: http.CanonicalHeaderKey(s.ConsumerHeader),
	}
	if s.RequestHeaders == nil {
		p.reqHeaders = DefaultRequestHeaders
	}
	if s.DenialHeaders == nil {
		p.denyHeaders = DefaultDenialHeaders
	}
	if p.maxBody == 0 {
		p.maxBody = DefaultMaxBodyBytes
	}
	timeout := s.Timeout.D()
	if timeout == 0 {
		timeout = DefaultTimeout.D()
	}
	p.owned = append([]string(nil), p.upHeaders...)
	if p.consumerHeader != "" {
		p.owned = authn.IdentityHeaders(p.owned)
		ix, err := consumer.For(bc)
		if err != nil {
			return nil, err
		}
		p.consumers = ix
	}
	b, _ := json.Marshal(s)
	sum := sha256.Sum256(b)
	key := "ext_authz|" + string(bc.Path) + "|" + hex.EncodeToString(sum[:8])
	var err error
	p.client, err = statepool.Get(bc.State, key+"|client", func() (*http.Client, error) {
		return &http.Client{
			Timeout:   timeout,
			Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second},
			// A redirect is the authorizer's answer to relay, not to follow.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}, nil
	})
	if err != nil {
		return nil, err
	}
	if p.ttl > 0 {
		size := s.CacheSize
		if size == 0 {
			size = DefaultCacheSize
		}
		if p.cache, err = statepool.Get(bc.State, key+"|cache", func() (*authn.Cache[*decision], error) {
			return authn.NewCache[*decision](size), nil
		}); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// OwnedHeaders implements pipeline.HeaderOwner: a client cannot send the
// headers the authorizer vouches for.
func (p *Policy) OwnedHeaders() []string { return p.owned }

var errDown = errors.New("authorizer unavailable")

// Handle asks the authorizer (or the cache) and lets the request on,
// relays the denial, or answers 503 when the authorizer is down.
func (p *Policy) Handle(w http.ResponseWriter, r *http.Request, next pipeline.Handler) error {
	st := pipeline.FromRequest(r)
	var body []byte
	if p.includeBody && r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 {
		if r.ContentLength > p.maxBody {
			return pipeline.NewError(http.StatusRequestEntityTooLarge, "request body too large for authorization")
		}
		b, err := io.ReadAll(io.LimitReader(r.Body, p.maxBody+1))
		if err != nil {
			return pipeline.Wrap(http.StatusBadRequest, "could not read the request body", err)
		}
		if int64(len(b)) > p.maxBody {
			return pipeline.NewError(http.StatusRequestEntityTooLarge, "request body too large for authorization")
		}
		r.Body.Close()
		body = b
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.ContentLength = int64(len(b))
	}
	key := ""
	var d *decision
	if p.cache != nil {
		key = p.cacheKey(r, body)
		d, _ = p.cache.Get(key, time.Now())
	}
	if d == nil {
		var err error
		d, err = p.ask(r.Context(), r, body)
		if err != nil {
			if p.failOpen {
				return next(w, r)
			}
			return pipeline.Wrap(http.StatusServiceUnavailable, "authorization service unavailable", err)
		}
		if p.cache != nil {
			p.cache.Put(key, d, time.Now().Add(p.ttl))
		}
	}
	if !d.allow {
		return p.deny(w, r, st, d)
	}
	for k, vs := range d.header {
		r.Header[k] = vs
	}
	if d.name != "" {
		authn.SetIdentity(r, st, p.consumers, d.consumer, "ext_authz:"+d.name)
	}
	return next(w, r)
}

// deny relays the authorizer's answer: its status, chosen headers and body.
func (p *Policy) deny(w http.ResponseWriter, r *http.Request, st *pipeline.State, d *decision) error {
	if st != nil {
		st.Err = pipeline.NewError(d.status, "denied by the authorization service")
	}
	h := w.Header()
	for k, vs := range d.header {
		h[k] = vs
	}
	h["Content-Length"] = []string{strconv.Itoa(len(d.body))}
	w.WriteHeader(d.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(d.body)
	}
	return nil
}

// cacheKey hashes what the authorizer is told, so two requests share a
// decision only when the authorizer could not tell them apart.
func (p *Policy) cacheKey(r *http.Request, body []byte) string {
	h := sha256.New()
	io.WriteString(h, r.Method+"\x00"+checkedPath(r)+"\x00"+r.URL.RawQuery+"\x00")
	// The forwarding facts too: an authorizer that allows by client
	// address must not have its answer for one address reused for another.
	if st := pipeline.FromRequest(r); st != nil {
		io.WriteString(h, st.ClientIP+"\x00"+st.Host+"\x00"+st.Scheme+"\x00")
	}
	for _, name := range p.reqHeaders {
		for _, v := range r.Header[name] {
			io.WriteString(h, name+":"+v+"\x00")
		}
		io.WriteString(h, "\x01")
	}
	h.Write(body)
	return string(h.Sum(nil))
}

// checkedPath is the path the authorizer judges: the normalised one the
// route matched (and the service gets), never the client's spelling, so
// "/public/../admin" cannot be judged as something else than it is.
func checkedPath(r *http.Request) string {
	if st := pipeline.FromRequest(r); st != nil && st.Path != "" {
		return (&url.URL{Path: st.Path}).EscapedPath()
	}
	return r.URL.EscapedPath()
}

// ask calls the authorizer. A transport failure, timeout or 5xx is
// errDown; any other non-2xx status is a denial.
func (p *Policy) ask(ctx context.Context, r *http.Request, body []byte) (*decision, error) {
	var rb io.Reader
	if body != nil {
		rb = bytes.NewReader(body)
	}
	target := p.base + checkedPath(r)
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, target, rb)
	if err != nil {
		return nil, err
	}
	for _, name := range p.reqHeaders {
		if vs, ok := r.Header[name]; ok {
			req.Header[name] = vs
		}
	}
	st := pipeline.FromRequest(r)
	// Traefik's ForwardAuth headers, so an authorizer behind any path
	// knows what was asked.
	req.Header.Set("X-Forwarded-Method", r.Method)
	req.Header.Set("X-Forwarded-Uri", r.URL.RequestURI())
	if st != nil {
		req.Header.Set("X-Forwarded-Host", st.Host)
		req.Header.Set("X-Forwarded-Proto", st.Scheme)
		req.Header.Set("X-Forwarded-For", st.ClientIP)
		req.Header.Set("X-Request-Id", st.RequestID)
	}
	if ct := r.Header.Get("Content-Type"); body != nil && ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, errors.Join(errDown, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 500 {
		io.Copy(io.Discard, io.LimitReader(resp.Body, maxDenialBytes))
		return nil, errors.Join(errDown, errors.New("authorizer answered "+resp.Status))
	}
	d := &decision{status: resp.StatusCode, header: http.Header{}}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		d.allow = true
		io.Copy(io.Discard, io.LimitReader(resp.Body, maxDenialBytes))
		for _, name := range p.upHeaders {
			if vs, ok := resp.Header[name]; ok {
				d.header[name] = vs
			}
		}
		if p.consumerHeader != "" {
			if name := resp.Header.Get(p.consumerHeader); name != "" {
				d.name = name
				d.consumer = p.consumers.ByName(name)
			}
		}
		return d, nil
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxDenialBytes))
	if err != nil {
		return nil, errors.Join(errDown, err)
	}
	d.body = b
	for _, name := range p.denyHeaders {
		if vs, ok := resp.Header[name]; ok {
			d.header[name] = vs
		}
	}
	return d, nil
}

// Package keyauth is the key_auth policy: API keys from a header and/or a
// query parameter, resolved to a consumer.
package keyauth

import (
	"net/http"
	"net/textproto"
	"strings"

	"github.com/gatehouse/gatehouse/internal/authn"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/consumer"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

func init() {
	pipeline.Register("key_auth", pipeline.PhaseAuthenticate, func() pipeline.Spec { return &Spec{} })
}

// Defaults of the settings.
const (
	DefaultHeader = "X-API-Key"
	DefaultRealm  = "gatehouse"
)

// Spec is the settings of key_auth. Keys belong to consumers
// (consumers[].api_keys).
type Spec struct {
	// Header the key is read from. Default "X-API-Key"; "off" reads no header.
	Header string `yaml:"header"`
	// Query parameter the key may be read from when the header is absent.
	// Default: none (keys in URLs end up in browser history and logs).
	Query string `yaml:"query"`
	// HideCredentials removes the key from the request before proxying.
	HideCredentials bool `yaml:"hide_credentials"`
	// Anonymous lets requests without a key through (other methods on the
	// route may still authenticate them). A wrong key is still refused.
	Anonymous bool `yaml:"anonymous"`
	// Realm is named in WWW-Authenticate. Default "gatehouse".
	Realm string `yaml:"realm"`
}

// AllowsAnonymous implements authn.Method.
func (s *Spec) AllowsAnonymous() bool { return s.Anonymous }

// Challenge implements authn.Method.
func (s *Spec) Challenge() string {
	realm := s.Realm
	if realm == "" {
		realm = DefaultRealm
	}
	switch s.Header {
	case "off":
		return authn.Challenge("APIKey", realm)
	case "":
		return authn.Challenge("APIKey", realm) + `, header="` + DefaultHeader + `"`
	}
	return authn.Challenge("APIKey", realm) + `, header="` + s.Header + `"`
}

func (s *Spec) header() string {
	switch s.Header {
	case "":
		return DefaultHeader
	case "off":
		return ""
	}
	return textproto.CanonicalMIMEHeaderKey(s.Header)
}

// Validate checks the settings.
func (s *Spec) Validate(at config.Path) []config.FieldError {
	var errs []config.FieldError
	if s.Header != "" && s.Header != "off" && config.RequestHeaderProblem(s.Header) != "" {
		errs = append(errs, config.Errorf(at.Field("header"), "%s", config.RequestHeaderProblem(s.Header)))
	}
	if s.Header == "off" && s.Query == "" {
		errs = append(errs, config.Errorf(at.Field("header"), `"off" needs a query parameter to read the key from`))
	}
	if strings.EqualFold(s.Header, "Authorization") {
		errs = append(errs, config.Errorf(at.Field("header"), "Authorization carries schemes (Bearer, Basic); use a header of its own for API keys"))
	}
	return errs
}

// Policy is the built key_auth policy.
type Policy struct {
	source authn.Source
	index  *consumer.Index
	plan   authn.Plan
	hide   bool
}

// Build compiles the settings.
func (s *Spec) Build(bc pipeline.BuildContext) (pipeline.Policy, error) {
	ix, err := consumer.For(bc)
	if err != nil {
		return nil, err
	}
	plan, err := authn.PlanFor(bc, "key_auth", s)
	if err != nil {
		return nil, err
	}
	return &Policy{
		source: authn.NewSource(s.header(), "", s.Query, ""),
		index:  ix,
		plan:   plan,
		hide:   s.HideCredentials,
	}, nil
}

// Precheck implements pipeline.Prechecker: an ambiguous credential is
// refused before any method runs.
func (p *Policy) Precheck(r *http.Request) error { return p.source.Check(r) }

// OwnedHeaders implements pipeline.HeaderOwner: the consumer headers.
func (p *Policy) OwnedHeaders() []string { return authn.IdentityHeaders(nil) }

// Handle authenticates the request by its API key, if it has one.
func (p *Policy) Handle(w http.ResponseWriter, r *http.Request, next pipeline.Handler) error {
	st := pipeline.FromRequest(r)
	if authn.Authenticated(st) {
		return next(w, r)
	}
	key, where := p.source.Extract(r)
	if where == authn.Nowhere {
		if p.plan.Last && !p.plan.Anonymous {
			return p.plan.Missing()
		}
		return next(w, r)
	}
	c, id, ok := p.index.ByKey(key)
	if !ok {
		// The same answer for every wrong key; the key itself is never
		// logged or echoed.
		return authn.Refused(st, authn.Unauthorized("invalid API key", p.plan.Challenges...))
	}
	if p.hide {
		p.source.Hide(r, where)
	}
	authn.SetIdentity(r, st, p.index, c, id)
	return next(w, r)
}

// Package introspect is the introspect policy: opaque OAuth2 access tokens
// checked with the authorization server's introspection endpoint (RFC
// 7662), active results cached until their exp.
package introspect

import (
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/authn"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

func init() {
	pipeline.Register("introspect", pipeline.PhaseAuthenticate, func() pipeline.Spec { return &Spec{} })
}

// Defaults of the settings.
const (
	DefaultRealm     = "gatehouse"
	DefaultTimeout   = config.Duration(2 * time.Second)
	DefaultCacheTTL  = config.Duration(5 * time.Minute)
	DefaultCacheSize = 10000
	// maxTokenBytes bounds a token sent to the server.
	maxTokenBytes = 8192
)

// Spec is the settings of introspect.
type Spec struct {
	// URL is the introspection endpoint. Required.
	URL string `yaml:"url"`
	// ClientID authenticates the gateway to the endpoint (HTTP Basic).
	ClientID string `yaml:"client_id"`
	// ClientSecret goes with client_id; write it as ${ENV}.
	ClientSecret string `yaml:"client_secret"`
	// Timeout bounds one introspection call. Default 2s. Past it, and when
	// the server cannot be reached, the client gets 503.
	Timeout config.Duration `yaml:"timeout"`
	// CacheTTL caps how long an active result is cached (it never outlives
	// the token's exp). Default 5m.
	CacheTTL config.Duration `yaml:"cache_ttl"`
	// CacheSize bounds the cache. Default 10000; -1 disables it.
	CacheSize int `yaml:"cache_size"`
	// Header the token is read from. Default "Authorization" (Bearer).
	Header string `yaml:"header"`
	// Query parameter the token may be read from.
	Query string `yaml:"query"`
	// Cookie the token may be read from.
	Cookie string `yaml:"cookie"`
	// ForwardClaims sends fields of the introspection response upstream as
	// headers: {field path: header name}. Client-sent ones are removed.
	ForwardClaims map[string]string `yaml:"forward_claims"`
	// HideCredentials removes the token before proxying.
	HideCredentials bool `yaml:"hide_credentials"`
	// Anonymous lets requests without a token through.
	Anonymous bool `yaml:"anonymous"`
	// Realm is named in WWW-Authenticate. Default "gatehouse".
	Realm string `yaml:"realm"`
}

// AllowsAnonymous implements authn.Method.
func (s *Spec) AllowsAnonymous() bool { return s.Anonymous }

// Challenge implements authn.Method.
func (s *Spec) Challenge() string { return authn.Challenge("Bearer", s.realm()) }

func (s *Spec) realm() string {
	if s.Realm == "" {
		return DefaultRealm
	}
	return s.Realm
}

// Validate checks the settings.
func (s *Spec) Validate(at config.Path) []config.FieldError {
	var errs []config.FieldError
	add := func(p config.Path, f string, args ...any) { errs = append(errs, config.Errorf(p, f, args...)) }
	if s.URL == "" {
		add(at.Field("url"), "required")
	} else if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		add(at.Field("url"), "must be an http or https URL")
	}
	if s.Header != "" && config.RequestHeaderProblem(s.Header) != "" {
		add(at.Field("header"), "%s", config.RequestHeaderProblem(s.Header))
	}
	if (s.ClientID == "") != (s.ClientSecret == "") {
		add(at.Field("client_secret"), "client_id and client_secret go together")
	}
	if s.Timeout < 0 {
		add(at.Field("timeout"), "must not be negative")
	}
	if s.CacheTTL < 0 {
		add(at.Field("cache_ttl"), "must not be negative")
	}
	if s.CacheSize < -1 {
		add(at.Field("cache_size"), "must be -1 (off), 0 (default) or positive")
	}
	for _, k := range slices.Sorted(maps.Keys(s.ForwardClaims)) {
		h := s.ForwardClaims[k]
		if h == "" || strings.ContainsAny(h, " \t:\r\n\"(),/;<=>?@[\\]{}") {
			add(at.Field("forward_claims").Field(k), "invalid header name %q", h)
		}
	}
	return errs
}

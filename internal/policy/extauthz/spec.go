// Package extauthz is the ext_authz policy: the gateway asks an HTTP
// service whether to let a request through, as Envoy's ext_authz (HTTP
// mode) and Traefik's ForwardAuth do.
package extauthz

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

func init() {
	pipeline.Register("ext_authz", pipeline.PhaseAuthenticate, func() pipeline.Spec { return &Spec{} })
}

// Defaults of the settings.
const (
	DefaultTimeout      = config.Duration(time.Second)
	DefaultCacheSize    = 10000
	DefaultMaxBodyBytes = 8192
	// maxDenialBytes bounds the denial body relayed to the client.
	maxDenialBytes = 64 << 10
)

// DefaultRequestHeaders are the client headers the authorizer gets when
// request_headers is not set: the usual credentials.
var DefaultRequestHeaders = []string{"Authorization", "Cookie"}

// DefaultDenialHeaders are the authorizer's headers relayed on a denial
// when denial_headers is not set.
var DefaultDenialHeaders = []string{"Content-Type", "Location", "Retry-After", "Set-Cookie", "Www-Authenticate"}

// Spec is the settings of ext_authz.
type Spec struct {
	// URL is the authorizer. The request's path is appended to its path,
	// as Envoy's path_prefix, and the request's method is kept. Required.
	URL string `yaml:"url"`
	// RequestHeaders are the client headers sent to the authorizer.
	// Default: Authorization, Cookie.
	RequestHeaders []string `yaml:"request_headers"`
	// UpstreamHeaders are the authorizer's response headers copied onto
	// the request to the service when it allows. A client cannot send
	// them itself: they are removed from its request first.
	UpstreamHeaders []string `yaml:"upstream_headers"`
	// DenialHeaders are the authorizer's headers relayed to the client on
	// a denial. Default: Content-Type, Location, Retry-After, Set-Cookie,
	// WWW-Authenticate.
	DenialHeaders []string `yaml:"denial_headers"`
	// IncludeBody sends the request body to the authorizer, up to
	// max_body_bytes; a larger body is refused with 413.
	IncludeBody bool `yaml:"include_body"`
	// MaxBodyBytes bounds the body sent with include_body. Default 8192.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// Timeout bounds one call to the authorizer. Default 1s.
	Timeout config.Duration `yaml:"timeout"`
	// CacheTTL keeps decisions (allow and deny) for this long, keyed by
	// method, path, query, the request headers sent and the body. 0: no
	// cache.
	CacheTTL config.Duration `yaml:"cache_ttl"`
	// CacheSize bounds the decision cache. Default 10000.
	CacheSize int `yaml:"cache_size"`
	// FailureModeAllow lets requests through when the authorizer cannot
	// be reached, times out or answers 5xx. Default false: 503.
	FailureModeAllow bool `yaml:"failure_mode_allow"`
	// ConsumerHeader names a header of the authorizer's allow answer that
	// holds a consumer name; the request is then authenticated as that
	// consumer, for acl and rate limits by consumer.
	ConsumerHeader string `yaml:"consumer_header"`
}

// Validate checks the settings without I/O.
func (s *Spec) Validate(at config.Path) []config.FieldError {
	var errs []config.FieldError
	add := func(p config.Path, f string, args ...any) { errs = append(errs, config.Errorf(p, f, args...)) }
	if s.URL == "" {
		add(at.Field("url"), "required")
	} else if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		add(at.Field("url"), "must be an http or https URL without query or fragment")
	}
	for i, h := range s.RequestHeaders {
		if p := config.RequestHeaderProblem(h); p != "" {
			add(at.Field("request_headers").Index(i), "%s", p)
		}
	}
	for _, l := range []struct {
		name string
		v    []string
	}{{"upstream_headers", s.UpstreamHeaders}, {"denial_headers", s.DenialHeaders}} {
		for i, h := range l.v {
			if p := config.RequestHeaderProblem(h); p != "" {
				add(at.Field(l.name).Index(i), "%s", p)
			} else if hopByHop[http.CanonicalHeaderKey(h)] {
				add(at.Field(l.name).Index(i), "header %q cannot be copied: it is a hop-by-hop or framing header", h)
			}
		}
	}
	if s.ConsumerHeader != "" {
		if p := config.RequestHeaderProblem(s.ConsumerHeader); p != "" {
			add(at.Field("consumer_header"), "%s", p)
		}
	}
	if s.MaxBodyBytes < 0 {
		add(at.Field("max_body_bytes"), "must not be negative")
	} else if s.MaxBodyBytes > 0 && !s.IncludeBody {
		add(at.Field("max_body_bytes"), "only meaningful with include_body: true")
	}
	if s.Timeout < 0 {
		add(at.Field("timeout"), "must not be negative")
	}
	if s.CacheTTL < 0 {
		add(at.Field("cache_ttl"), "must not be negative")
	}
	if s.CacheSize < 0 {
		add(at.Field("cache_size"), "must not be negative")
	}
	return errs
}

// hopByHop are headers that describe one connection or one message's
// framing: never copied between messages.
var hopByHop = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Te": true, "Trailer": true,
	"Transfer-Encoding": true, "Upgrade": true, "Content-Length": true, "Host": true,
}

// Package cors is the cors policy: the gateway answers browsers'
// preflight requests itself (before routing and authentication) and
// owns the Access-Control-* headers of every response of the route.
package cors

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

func init() {
	pipeline.Register("cors", pipeline.PhasePreRoute, func() pipeline.Spec { return &Spec{} })
}

// DefaultMethods are allowed when methods is not set (Kong's list).
var DefaultMethods = []string{"GET", "HEAD", "PUT", "PATCH", "POST", "DELETE", "OPTIONS", "TRACE", "CONNECT"}

// Spec is the settings of cors.
type Spec struct {
	// Origins may read responses: exact origins ("https://app.example.com"),
	// patterns whose star stands for one or more DNS labels
	// ("https://*.example.com"), or "*" for any. Empty means any.
	Origins []string `yaml:"origins"`
	// Methods a preflight allows. Default: GET, HEAD, PUT, PATCH, POST,
	// DELETE, OPTIONS, TRACE, CONNECT.
	Methods []string `yaml:"methods"`
	// Headers a preflight allows. Empty: the headers the preflight asks
	// for are allowed (echoed).
	Headers []string `yaml:"headers"`
	// ExposedHeaders are response headers scripts may read beyond the
	// CORS-safelisted ones (Access-Control-Expose-Headers).
	ExposedHeaders []string `yaml:"exposed_headers"`
	// Credentials lets scripts send cookies and read responses to
	// credentialed requests. Never with any origin.
	Credentials bool `yaml:"credentials"`
	// MaxAge is how long a browser may cache a preflight answer
	// (Access-Control-Max-Age, in whole seconds). 0: not sent.
	MaxAge config.Duration `yaml:"max_age"`
	// PrivateNetwork answers preflights that ask to reach a private
	// network from a public page (Access-Control-Allow-Private-Network).
	PrivateNetwork bool `yaml:"private_network"`
}

// Validate checks the settings.
func (s *Spec) Validate(at config.Path) []config.FieldError {
	var errs []config.FieldError
	anyOrigin := len(s.Origins) == 0
	for i, o := range s.Origins {
		if o == "*" {
			anyOrigin = true
			continue
		}
		if msg := checkOrigin(o); msg != "" {
			errs = append(errs, config.Errorf(at.Field("origins").Index(i), "%s", msg))
		}
	}
	if s.Credentials && anyOrigin {
		errs = append(errs, config.Errorf(at.Field("credentials"), `cannot be combined with any origin ("*" or no origins): list the origins allowed to send credentials`))
	}
	for i, m := range s.Methods {
		if !isToken(m) {
			errs = append(errs, config.Errorf(at.Field("methods").Index(i), "%q is not a method name", m))
		}
	}
	for _, l := range []struct {
		name string
		v    []string
	}{{"headers", s.Headers}, {"exposed_headers", s.ExposedHeaders}} {
		for i, h := range l.v {
			if !isToken(h) && h != "*" {
				errs = append(errs, config.Errorf(at.Field(l.name).Index(i), "%q is not a header name", h))
			}
		}
	}
	if s.MaxAge < 0 {
		errs = append(errs, config.Errorf(at.Field("max_age"), "must not be negative"))
	}
	return errs
}

// checkOrigin explains what is wrong with an origin or pattern, "" if
// nothing is.
func checkOrigin(o string) string {
	if strings.EqualFold(o, "null") {
		return `"null" is the origin of sandboxed frames and local files, which any page can create: not allowed`
	}
	host := o
	if i := strings.Index(o, "://*."); i >= 0 {
		host = o[:i+3] + "x" + o[i+4:] // check the rest as if one label
	}
	if strings.Contains(host, "*") {
		return fmt.Sprintf("%q: a star may only stand for subdomains, as in https://*.example.com", o)
	}
	u, err := url.Parse(host)
	if err != nil || u.Scheme == "" || u.Host == "" || u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Sprintf("%q is not an origin: want scheme://host[:port], without a path", o)
	}
	return ""
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

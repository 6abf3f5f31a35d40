// Package headers holds the request_headers and response_headers policies:
// add, set, remove and rename headers, with templated values.
package headers

import (
	"golang.org/x/net/http/httpguts"
	"sort"
	"strings"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

func init() {
	pipeline.Register("request_headers", pipeline.PhaseTransform, func() pipeline.Spec { return &Spec{forRequest: true} })
	pipeline.Register("response_headers", pipeline.PhaseTransform, func() pipeline.Spec { return &Spec{} })
}

// Spec is the settings of request_headers and response_headers. The
// operations run in the order remove, rename, set, add.
type Spec struct {
	// Remove deletes these headers.
	Remove []string `yaml:"remove"`
	// Rename moves a header's values to a new name: {Old-Name: New-Name}.
	Rename map[string]string `yaml:"rename"`
	// Set replaces the header with one value (a template).
	Set map[string]string `yaml:"set"`
	// Add appends a value (a template), keeping existing values.
	Add map[string]string `yaml:"add"`

	forRequest bool
}

// Headers the proxy owns: setting them here would break framing, routing
// or the forwarded-header guarantees, so they are refused at config time.
var reserved = map[string]string{
	"Connection":        "a hop-by-hop header",
	"Keep-Alive":        "a hop-by-hop header",
	"Proxy-Connection":  "a hop-by-hop header",
	"Te":                "a hop-by-hop header",
	"Trailer":           "a hop-by-hop header",
	"Transfer-Encoding": "a hop-by-hop header",
	"Upgrade":           "a hop-by-hop header",
	"Content-Length":    "set by the proxy from the body",
	"Host":              "chosen by the service target or preserve_host",
	// The proxy rebuilds these on every request from what it resolved, so
	// a value set here would be silently replaced.
	"X-Forwarded-For":    "set by the gateway from the client address",
	"X-Forwarded-Proto":  "set by the gateway from the client connection",
	"X-Forwarded-Host":   "set by the gateway from the request host",
	"X-Forwarded-Prefix": "set by the gateway from strip_prefix",
	"X-Real-Ip":          "set by the gateway from the client address",
	"Forwarded":          "removed by the gateway from untrusted peers",
	"X-Request-Id":       "set by the gateway (see request IDs)",
	"Traceparent":        "set by the gateway's trace context",
}

// CheckName refuses a header name a policy may not change: invalid,
// hop-by-hop, or owned by the gateway. Other transform policies share it.
func CheckName(at config.Path, name string) []config.FieldError { return checkName(at, name) }

// Validate checks names and templates.
func (s *Spec) Validate(at config.Path) []config.FieldError {
	var errs []config.FieldError
	for i, name := range s.Remove {
		errs = append(errs, checkName(at.Field("remove").Index(i), name)...)
	}
	for _, old := range sortedKeys(s.Rename) {
		p := at.Field("rename").Field(old)
		errs = append(errs, checkName(p, old)...)
		errs = append(errs, checkName(p, s.Rename[old])...)
	}
	for _, op := range []struct {
		name string
		m    map[string]string
	}{{"set", s.Set}, {"add", s.Add}} {
		for _, name := range sortedKeys(op.m) {
			p := at.Field(op.name).Field(name)
			errs = append(errs, checkName(p, name)...)
			if _, err := pipeline.CompileTemplate(op.m[name]); err != nil {
				errs = append(errs, config.Errorf(p, "%v", err))
			} else if strings.ContainsAny(op.m[name], "\r\n\x00") {
				errs = append(errs, config.Errorf(p, "value must not contain CR, LF or NUL"))
			}
		}
	}
	if len(s.Remove)+len(s.Rename)+len(s.Set)+len(s.Add) == 0 {
		errs = append(errs, config.Errorf(at, "needs at least one of remove, rename, set, add"))
	}
	return errs
}

func checkName(at config.Path, name string) []config.FieldError {
	if !httpguts.ValidHeaderFieldName(name) {
		return []config.FieldError{config.Errorf(at, "invalid header name %q", name)}
	}
	canon := canonical(name)
	if why, ok := reserved[canon]; ok {
		return []config.FieldError{config.Errorf(at, "header %q cannot be changed: it is %s", name, why)}
	}
	if strings.HasPrefix(canon, "Proxy-") {
		return []config.FieldError{config.Errorf(at, "header %q cannot be changed: it is a hop-by-hop header", name)}
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

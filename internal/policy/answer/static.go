package answer

import (
	"maps"
	"net/http"
	"slices"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// StaticSpec is the settings of static_response.
type StaticSpec struct {
	// Status of the answer. Default 200.
	Status int `yaml:"status"`
	// Headers of the answer, e.g. {Retry-After: "120"} for maintenance.
	Headers map[string]string `yaml:"headers"`
	// ContentType of the body. Default "text/plain; charset=utf-8" when
	// there is a body.
	ContentType string `yaml:"content_type"`
	// Body of the answer, sent as written.
	Body string `yaml:"body"`
}

// Validate checks the settings.
func (s *StaticSpec) Validate(at config.Path) []config.FieldError {
	var errs []config.FieldError
	errs = append(errs, checkStatus(at.Field("status"), s.Status)...)
	if !bodyAllowed(s.Status) && s.Body != "" {
		errs = append(errs, config.Errorf(at.Field("body"), "a %d answer has no body", s.Status))
	}
	errs = append(errs, checkHeaders(at.Field("headers"), s.Headers)...)
	return errs
}

func checkStatus(at config.Path, status int) []config.FieldError {
	if status != 0 && (status < 200 || status > 599) {
		return []config.FieldError{config.Errorf(at, "must be between 200 and 599, got %d", status)}
	}
	return nil
}

// owned are headers net/http or the gateway set on every answer.
var owned = map[string]bool{"Content-Length": true, "Transfer-Encoding": true, "Connection": true, "X-Request-Id": true, "Content-Type": true}

func checkHeaders(at config.Path, h map[string]string) []config.FieldError {
	var errs []config.FieldError
	for _, k := range slices.Sorted(maps.Keys(h)) {
		v := h[k]
		switch {
		case !validName(k):
			errs = append(errs, config.Errorf(at.Field(k), "%q is not a header name", k))
		case owned[http.CanonicalHeaderKey(k)]:
			errs = append(errs, config.Errorf(at.Field(k), "set by the gateway (use content_type for Content-Type)"))
		case !validValue(v):
			errs = append(errs, config.Errorf(at.Field(k), "value holds a control character"))
		}
	}
	return errs
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == ':' || c == '(' || c == ')' || c == ',' || c == '"' || c == '/' || c == ';' || c == '<' || c == '>' || c == '=' || c == '?' || c == '@' || c == '[' || c == ']' || c == '\\' || c == '{' || c == '}' {
			return false
		}
	}
	return true
}

func validValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// Build makes the answer.
func (s *StaticSpec) Build(pipeline.BuildContext) (pipeline.Policy, error) {
	status := s.Status
	if status == 0 {
		status = http.StatusOK
	}
	ct := s.ContentType
	if ct == "" && s.Body != "" {
		ct = "text/plain; charset=utf-8"
	}
	return &static{newBody(status, s.Headers, ct, s.Body)}, nil
}

type static struct{ b *body }

// Handle answers without the service.
func (p *static) Handle(w http.ResponseWriter, r *http.Request, _ pipeline.Handler) error {
	p.b.write(w, r)
	return nil
}

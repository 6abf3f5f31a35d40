package answer

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// TerminationSpec is the settings of request_termination: it stops
// every request (or, with trigger, those that ask for it) with a status
// and the gateway's JSON error, or a body of your own.
type TerminationSpec struct {
	// Status of the answer. Default 503.
	Status int `yaml:"status"`
	// Message is the JSON error's message. Default: the status text.
	Message string `yaml:"message"`
	// Body replaces the JSON error with this body, sent as written.
	Body string `yaml:"body"`
	// ContentType of body. Default "application/json".
	ContentType string `yaml:"content_type"`
	// Trigger, when set, names a header or query parameter: only requests
	// that carry it are terminated (for testing a route's consumers
	// against an outage), the others pass on.
	Trigger string `yaml:"trigger"`
}

// Validate checks the settings.
func (s *TerminationSpec) Validate(at config.Path) []config.FieldError {
	var errs []config.FieldError
	errs = append(errs, checkStatus(at.Field("status"), s.Status)...)
	if s.Message != "" && s.Body != "" {
		errs = append(errs, config.Errorf(at.Field("body"), "set message or body, not both"))
	}
	if s.ContentType != "" && s.Body == "" {
		errs = append(errs, config.Errorf(at.Field("content_type"), "only applies to body"))
	}
	if !bodyAllowed(s.Status) && s.Body != "" {
		errs = append(errs, config.Errorf(at.Field("body"), "a %d answer has no body", s.Status))
	}
	if s.Trigger != "" && !validName(s.Trigger) {
		errs = append(errs, config.Errorf(at.Field("trigger"), "%q is not a header or parameter name", s.Trigger))
	}
	return errs
}

// Build makes the answer.
func (s *TerminationSpec) Build(pipeline.BuildContext) (pipeline.Policy, error) {
	status := s.Status
	if status == 0 {
		status = http.StatusServiceUnavailable
	}
	p := &termination{trigger: s.Trigger, header: http.CanonicalHeaderKey(s.Trigger)}
	if s.Body != "" {
		ct := s.ContentType
		if ct == "" {
			ct = "application/json"
		}
		p.body = newBody(status, nil, ct, s.Body)
	} else {
		msg := s.Message
		if msg == "" {
			msg = http.StatusText(status)
		}
		p.err = pipeline.NewError(status, msg)
	}
	return p, nil
}

type termination struct {
	trigger, header string
	body            *body
	err             *pipeline.Error
}

// Handle terminates the request, or passes it on when a trigger is set
// and the request does not carry it.
func (p *termination) Handle(w http.ResponseWriter, r *http.Request, next pipeline.Handler) error {
	if p.trigger != "" && len(r.Header[p.header]) == 0 && !r.URL.Query().Has(p.trigger) {
		return next(w, r)
	}
	if p.body != nil {
		p.body.write(w, r)
		return nil
	}
	return p.err
}

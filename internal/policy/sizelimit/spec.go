// Package sizelimit is the request_size_limit policy: request bodies
// over a limit answer 413, before the service is contacted when the
// Content-Length says so, and as soon as a streamed body passes the
// limit otherwise. It applies to every route by default.
package sizelimit

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

func init() {
	pipeline.Register("request_size_limit", pipeline.PhaseAccess, func() pipeline.Spec { return &Spec{MaxBytes: DefaultMaxBytes} })
	pipeline.RegisterDefault("request_size_limit")
}

// DefaultMaxBytes is the limit of a route that sets none: 10 MiB, the
// payload limit of common managed API gateways. nginx's
// client_max_body_size defaults to 1 MiB, sized for web forms rather
// than APIs.
const DefaultMaxBytes = 10 << 20

// Spec is the settings of request_size_limit.
type Spec struct {
	// MaxBytes is the largest request body allowed, in bytes. Default
	// 10485760 (10 MiB); 0 turns the limit off.
	MaxBytes int64 `yaml:"max_bytes"`
	// RequireContentLength refuses a request with a body but no
	// Content-Length (chunked) with 411.
	RequireContentLength bool `yaml:"require_content_length"`
}

// Validate checks the settings.
func (s *Spec) Validate(at config.Path) []config.FieldError {
	if s.MaxBytes < 0 {
		return []config.FieldError{config.Errorf(at.Field("max_bytes"), "must be >= 0 (0 turns the limit off)")}
	}
	return nil
}

// Build makes the policy.
func (s *Spec) Build(pipeline.BuildContext) (pipeline.Policy, error) {
	return &Policy{max: s.MaxBytes, requireLength: s.RequireContentLength}, nil
}

var (
	errTooLarge      = &pipeline.Error{Status: http.StatusRequestEntityTooLarge, Msg: "request body too large", Header: http.Header{"Connection": {"close"}}}
	errLengthMissing = pipeline.NewError(http.StatusLengthRequired, "a Content-Length is required")
)

package answer

import (
	"net/http"
	"slices"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// RedirectSpec is the settings of redirect.
type RedirectSpec struct {
	// Location is where to send the client, a template: variables such as
	// {host} and {path} (see the headers policies) are filled in per
	// request, e.g. "https://new.example.com{path}". Required.
	Location string `yaml:"location"`
	// Status is 301 (default), 302, 303, 307 or 308.
	Status int `yaml:"status"`
	// KeepQuery appends the request's query string to the location.
	KeepQuery bool `yaml:"keep_query"`
}

var redirectStatuses = []int{301, 302, 303, 307, 308}

// Validate checks the settings.
func (s *RedirectSpec) Validate(at config.Path) []config.FieldError {
	var errs []config.FieldError
	if s.Location == "" {
		errs = append(errs, config.Errorf(at.Field("location"), "is required"))
	} else if _, err := pipeline.CompileTemplate(s.Location); err != nil {
		errs = append(errs, config.Errorf(at.Field("location"), "%v", err))
	}
	if s.Status != 0 && !slices.Contains(redirectStatuses, s.Status) {
		errs = append(errs, config.Errorf(at.Field("status"), "must be one of 301, 302, 303, 307, 308, got %d", s.Status))
	}
	return errs
}

// Build compiles the location.
func (s *RedirectSpec) Build(pipeline.BuildContext) (pipeline.Policy, error) {
	t, err := pipeline.CompileTemplate(s.Location)
	if err != nil {
		return nil, err
	}
	st := s.Status
	if st == 0 {
		st = http.StatusMovedPermanently
	}
	return &redirect{loc: t, status: st, keepQuery: s.KeepQuery}, nil
}

type redirect struct {
	loc       *pipeline.Template
	status    int
	keepQuery bool
}

// Handle answers with the redirect.
func (p *redirect) Handle(w http.ResponseWriter, r *http.Request, _ pipeline.Handler) error {
	loc := p.loc.Expand(r, pipeline.FromRequest(r))
	if p.keepQuery && r.URL.RawQuery != "" {
		loc += "?" + r.URL.RawQuery
	}
	h := w.Header()
	h["Location"] = []string{loc}
	h["Content-Length"] = []string{"0"}
	w.WriteHeader(p.status)
	return nil
}

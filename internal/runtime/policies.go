package runtime

import (
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"

	// Every built-in policy registers itself.
	_ "github.com/gatehouse/gatehouse/internal/policy/all"
)

// Scopes are a config's decoded policies at each scope.
type Scopes struct {
	Global   []pipeline.Decoded
	Services map[string][]pipeline.Decoded
	Routes   [][]pipeline.Decoded
}

// DecodePolicies decodes and validates every policy block of cfg, so that
// `gatehouse validate` reports policy errors together with config errors.
func DecodePolicies(cfg *config.Config) (*Scopes, []config.FieldError) {
	s := &Scopes{Services: map[string][]pipeline.Decoded{}, Routes: make([][]pipeline.Decoded, len(cfg.Routes))}
	var all []config.FieldError
	var errs []config.FieldError
	s.Global, errs = pipeline.Decode(cfg.Policies)
	all = append(all, errs...)
	for _, svc := range cfg.Services {
		s.Services[svc.Name], errs = pipeline.Decode(svc.Policies)
		all = append(all, errs...)
	}
	for i, r := range cfg.Routes {
		s.Routes[i], errs = pipeline.Decode(r.Policies)
		all = append(all, errs...)
	}
	return s, all
}

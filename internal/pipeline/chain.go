package pipeline

import (
	"fmt"
	"net/http"
	"sort"

	"github.com/gatehouse/gatehouse/internal/config"
	"gopkg.in/yaml.v3"
)

// Decoded is one policy's settings decoded into its Spec.
type Decoded struct {
	Name  string
	Phase Phase
	Spec  Spec
	Path  config.Path
	// Node is the settings as written, for explain (redacted there).
	Node *yaml.Node
}

// Decode turns one scope's raw policies into Specs and validates them,
// returning every error found. Unknown policy names get a suggestion.
func Decode(ps config.Policies) ([]Decoded, []config.FieldError) {
	var out []Decoded
	var errs []config.FieldError
	names := make([]string, 0, len(ps))
	for n := range ps {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		raw := ps[name]
		reg, ok := Lookup(name)
		if !ok {
			errs = append(errs, config.Errorf(raw.Path, "unknown policy %q%s", name, config.Suggest(name, Names())))
			continue
		}
		spec := reg.NewSpec()
		if derrs := config.Decode(raw.Node, raw.Path, spec); len(derrs) > 0 {
			errs = append(errs, derrs...)
			continue
		}
		if verrs := spec.Validate(raw.Path); len(verrs) > 0 {
			errs = append(errs, verrs...)
			continue
		}
		phase := reg.Phase
		if p, ok := spec.(Phased); ok {
			phase = p.Phase()
		}
		out = append(out, Decoded{Name: name, Phase: phase, Spec: spec, Path: raw.Path, Node: raw.Node})
	}
	return out, errs
}

// Merge combines scopes from least to most specific: a later scope's policy
// replaces an earlier one of the same name. The result is in run order:
// by phase, then by name.
func Merge(scopes ...[]Decoded) []Decoded {
	byName := map[string]Decoded{}
	for _, scope := range scopes {
		for _, d := range scope {
			byName[d.Name] = d
		}
	}
	out := make([]Decoded, 0, len(byName))
	for _, d := range byName {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Phase != out[j].Phase {
			return out[i].Phase < out[j].Phase
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Chain is a route's built policies, ready to serve.
type Chain struct {
	// Serve runs the policies then the terminal handler.
	Serve Handler
	// Response are the policies that act on upstream responses, in order.
	Response []ResponsePolicy
	// Policies in run order, for explain and logs; Built holds the built
	// policy of each, in the same order.
	Policies []Decoded
	Built    []Policy
	// Owned are the headers removed from the client's request before the
	// first policy runs (see HeaderOwner).
	Owned []string
}

// Build builds every policy of list around terminal. Closures are made
// here, once per config, so serving a request allocates nothing for them.
func Build(list []Decoded, terminal Handler, base BuildContext) (*Chain, error) {
	return BuildFor(list, func([]ResponsePolicy) Handler { return terminal }, base)
}

// BuildFor is Build for a terminal handler that runs the chain's response
// policies itself (the proxy): it is made once the policies are built.
func BuildFor(list []Decoded, terminal func([]ResponsePolicy) Handler, base BuildContext) (*Chain, error) {
	built := make([]Policy, len(list))
	c := &Chain{Policies: list}
	for i, d := range list {
		bc := base
		bc.Path = d.Path
		p, err := d.Spec.Build(bc)
		if err != nil {
			return nil, fmt.Errorf("%s: building policy %q: %w", d.Path, d.Name, err)
		}
		built[i] = p
		if rp, ok := p.(ResponsePolicy); ok {
			c.Response = append(c.Response, rp)
		}
	}
	c.Built = built
	giveTails(built)
	h := terminal(c.Response)
	pre := preRouteCount(list)
	for i := len(built) - 1; i >= pre; i-- {
		h = link(built[i], h)
	}
	c.Owned = ownedHeaders(built)
	h = intake(c.Owned, prechecks(built), h)
	// Pre-route policies judge the request as the client sent it, before
	// the intake step too: a refused client IP or a preflight never
	// reaches the credential checks.
	for i := pre - 1; i >= 0; i-- {
		h = link(built[i], h)
	}
	c.Serve = h
	return c, nil
}

func link(p Policy, next Handler) Handler {
	return func(w http.ResponseWriter, r *http.Request) error { return p.Handle(w, r, next) }
}

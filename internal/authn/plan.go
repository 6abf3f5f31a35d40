package authn

import (
	"net/http"
	"sort"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/consumer"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// Methods are the authentication policies. They share the authenticate
// phase, so they run in name order.
var Methods = map[string]bool{"basic_auth": true, "introspect": true, "jwt": true, "key_auth": true, "mtls": true}

// Method is implemented by the Spec of every authentication policy, so
// the route's plan can be worked out from the config.
type Method interface {
	// AllowsAnonymous says requests without any credential may pass.
	AllowsAnonymous() bool
	// Challenge is the WWW-Authenticate value for a missing credential.
	Challenge() string
}

// Plan is how the authentication policies of one route cooperate. Each
// one acts only if no earlier one authenticated the request and its own
// credential is present; a present but bad credential is a 401 at once.
// The last one on the route is the gate: when nothing authenticated the
// request it answers 401 with every method's challenge, unless one of the
// route's methods allows anonymous requests.
type Plan struct {
	// Names of the route's authentication policies, in run order.
	Names []string
	// Last says the policy being built is the gate.
	Last bool
	// Anonymous says a request without credentials may pass.
	Anonymous bool
	// Challenges are the WWW-Authenticate values of every method.
	Challenges []string
}

// PlanFor works out the plan of the route bc is building for, as seen by
// the policy self (whose Spec is m). With self empty (e.g. for acl) it is
// the plan of the whole route.
func PlanFor(bc pipeline.BuildContext, self string, m Method) (Plan, error) {
	specs := map[string]Method{}
	if self != "" {
		specs[self] = m
	}
	for name, raw := range effectivePolicies(bc) {
		if !Methods[name] || name == self {
			continue
		}
		reg, ok := pipeline.Lookup(name)
		if !ok {
			continue
		}
		spec := reg.NewSpec()
		if errs := config.Decode(raw.Node, raw.Path, spec); len(errs) > 0 {
			return Plan{}, &config.Errors{List: errs}
		}
		if mm, ok := spec.(Method); ok {
			specs[name] = mm
		}
	}
	var p Plan
	for name := range specs {
		p.Names = append(p.Names, name)
	}
	sort.Strings(p.Names)
	for _, name := range p.Names {
		s := specs[name]
		p.Anonymous = p.Anonymous || s.AllowsAnonymous()
		if ch := s.Challenge(); ch != "" {
			p.Challenges = append(p.Challenges, ch)
		}
	}
	p.Last = len(p.Names) > 0 && p.Names[len(p.Names)-1] == self
	return p, nil
}

// effectivePolicies merges the global, service and route policies the way
// the chain does: the most specific scope wins per name.
func effectivePolicies(bc pipeline.BuildContext) config.Policies {
	out := config.Policies{}
	c := bc.Config
	if c == nil {
		return out
	}
	add := func(ps config.Policies) {
		for n, raw := range ps {
			out[n] = raw
		}
	}
	add(c.Policies)
	for _, s := range c.Services {
		if s.Name == bc.Service {
			add(s.Policies)
		}
	}
	for _, r := range c.Routes {
		if r.Name == bc.Route {
			add(r.Policies)
		}
	}
	return out
}

// Missing is the gate's answer when no credential authenticated the
// request.
func (p *Plan) Missing() *pipeline.Error {
	return Unauthorized("authentication required", p.Challenges...)
}

// Authenticated reports whether an earlier policy already authenticated
// the request.
func Authenticated(st *pipeline.State) bool { return st != nil && st.Credential != "" }

// Consumer headers sent upstream; client-sent ones are always removed.
const (
	HeaderConsumerName   = "X-Consumer-Name"
	HeaderConsumerGroups = "X-Consumer-Groups"
)

// IdentityHeaders are the headers an authentication policy owns (see
// pipeline.HeaderOwner): the consumer headers and its own extra ones,
// such as forward_claims names. The chain removes them from what the
// client sent before any method runs, so the service only ever sees what
// the gateway set.
func IdentityHeaders(extra []string) []string {
	return append([]string{HeaderConsumerName, HeaderConsumerGroups}, extra...)
}

// SetIdentity records a successful authentication on the request state
// and tells the upstream who the consumer is. credential identifies the
// credential (never the secret); c may be nil for a token that maps to no
// consumer.
func SetIdentity(r *http.Request, st *pipeline.State, ix *consumer.Index, c *pipeline.Consumer, credential string) {
	if st != nil {
		st.Consumer = c
		st.Credential = credential
	}
	if c == nil {
		return
	}
	hs := ix.HeadersOf(c)
	r.Header[HeaderConsumerName] = hs.Name
	if hs.Groups != nil {
		r.Header[HeaderConsumerGroups] = hs.Groups
	}
}

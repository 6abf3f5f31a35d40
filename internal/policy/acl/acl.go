// Package acl is the acl policy: after authentication, a route requires
// roles or scopes from the token's claims and/or allows or denies consumer
// groups.
package acl

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/authn"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

func init() {
	pipeline.Register("acl", pipeline.PhaseAuthorize, func() pipeline.Spec { return &Spec{} })
}

// DefaultClaim is where roles are read when claim is not set.
const DefaultClaim = "roles"

// Spec is the settings of acl. Every condition given must hold.
type Spec struct {
	// Claim is the dotted path of the roles or scopes in the verified
	// claims: "roles" (default), "realm_access.roles", "scope". A list is
	// taken as is; a string is split on spaces (OAuth2 "scope").
	Claim string `yaml:"claim"`
	// AnyOf passes when the claim holds at least one of these.
	AnyOf []string `yaml:"any_of"`
	// AllOf passes when the claim holds every one of these.
	AllOf []string `yaml:"all_of"`
	// AllowGroups passes when the consumer is in at least one of these
	// groups.
	AllowGroups []string `yaml:"allow_groups"`
	// DenyGroups refuses consumers in any of these groups.
	DenyGroups []string `yaml:"deny_groups"`
}

// Validate checks the settings.
func (s *Spec) Validate(at config.Path) []config.FieldError {
	var errs []config.FieldError
	if len(s.AnyOf)+len(s.AllOf)+len(s.AllowGroups)+len(s.DenyGroups) == 0 {
		errs = append(errs, config.Errorf(at, "needs at least one of any_of, all_of, allow_groups, deny_groups"))
	}
	if s.Claim != "" && (strings.HasPrefix(s.Claim, ".") || strings.HasSuffix(s.Claim, ".") || strings.Contains(s.Claim, "..")) {
		errs = append(errs, config.Errorf(at.Field("claim"), "invalid claim path %q: use dotted names like realm_access.roles", s.Claim))
	}
	for _, l := range []struct {
		name string
		v    []string
	}{{"any_of", s.AnyOf}, {"all_of", s.AllOf}, {"allow_groups", s.AllowGroups}, {"deny_groups", s.DenyGroups}} {
		for i, v := range l.v {
			if v == "" || strings.ContainsAny(v, " \t") {
				errs = append(errs, config.Errorf(at.Field(l.name).Index(i), "must be a non-empty name without spaces"))
			}
		}
	}
	return errs
}

// Policy is the built acl policy.
type Policy struct {
	path              []string
	anyOf, allOf      []string
	allowGroups, deny []string
	needsClaims       bool
	plan              authn.Plan
}

// Build compiles the settings.
func (s *Spec) Build(bc pipeline.BuildContext) (pipeline.Policy, error) {
	claim := s.Claim
	if claim == "" {
		claim = DefaultClaim
	}
	plan, err := authn.PlanFor(bc, "", nil)
	if err != nil {
		return nil, err
	}
	if len(plan.Challenges) == 0 {
		plan.Challenges = []string{authn.Challenge("Bearer", "gatehouse")}
	}
	return &Policy{
		path:        strings.Split(claim, "."),
		anyOf:       s.AnyOf,
		allOf:       s.AllOf,
		allowGroups: s.AllowGroups,
		deny:        s.DenyGroups,
		needsClaims: len(s.AnyOf)+len(s.AllOf) > 0,
		plan:        plan,
	}, nil
}

// Handle lets the request on only when the conditions hold: 401 when
// nobody is authenticated, 403 when the caller is known but not permitted.
func (p *Policy) Handle(w http.ResponseWriter, r *http.Request, next pipeline.Handler) error {
	st := pipeline.FromRequest(r)
	if st == nil || st.Credential == "" {
		return p.plan.Missing()
	}
	if err := p.check(st); err != nil {
		return err
	}
	return next(w, r)
}

func (p *Policy) check(st *pipeline.State) error {
	for _, g := range p.deny {
		if st.Consumer.InGroup(g) {
			return authn.Forbidden("access denied")
		}
	}
	if len(p.allowGroups) > 0 && !slices.ContainsFunc(p.allowGroups, st.Consumer.InGroup) {
		return authn.Forbidden("access denied")
	}
	if !p.needsClaims {
		return nil
	}
	v, ok := authn.Lookup(st.Claims, p.path)
	if !ok {
		return authn.Forbidden("access denied: missing role or scope")
	}
	if len(p.anyOf) > 0 && !holdsAny(v, p.anyOf) {
		return authn.Forbidden("access denied: missing role or scope")
	}
	for _, need := range p.allOf {
		if !holds(v, need) {
			return authn.Forbidden("access denied: missing role or scope")
		}
	}
	return nil
}

func holdsAny(v any, names []string) bool {
	for _, n := range names {
		if holds(v, n) {
			return true
		}
	}
	return false
}

// holds reports whether a roles list, or a space-separated scope string,
// contains name. Neither form allocates.
func holds(v any, name string) bool {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok && s == name {
				return true
			}
		}
	case []string:
		return slices.Contains(x, name)
	case string:
		for f := range strings.FieldsSeq(x) {
			if f == name {
				return true
			}
		}
	}
	return false
}

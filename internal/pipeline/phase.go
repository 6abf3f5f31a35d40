// Package pipeline is the seam every policy plugs into: the Spec/Policy
// shapes, the registry, fixed phases, per-request state, the chain builder
// and the one JSON error responder.
package pipeline

// Phase fixes where a policy runs in a route's chain, so the config says
// which policies apply and never in what order.
type Phase int

// Phases in the order they run. Gaps leave room for later phases without
// renumbering.
const (
	PhasePreRoute     Phase = 5  // before routing answers 404/405 and before authentication (see preroute.go)
	PhaseAccess       Phase = 10 // body size limits: cheap rejections first
	PhasePreAuthLimit Phase = 15 // limits whose key is known before authentication
	PhaseAuthenticate Phase = 20 // who is calling
	PhaseAuthorize    Phase = 30 // may they
	PhaseLimit        Phase = 40 // limits keyed by identity, once it is known
	PhaseValidate     Phase = 50 // request schema checks
	PhaseCache        Phase = 60 // may answer without the upstream
	PhaseTransform    Phase = 70 // request and response rewriting, nearest the proxy
	PhaseEncode       Phase = 80 // content codings: last on the response, after every rewrite
)

var phaseNames = map[Phase]string{
	PhasePreRoute:     "pre-route",
	PhaseAccess:       "access",
	PhasePreAuthLimit: "pre-auth-limit",
	PhaseAuthenticate: "authenticate",
	PhaseAuthorize:    "authorize",
	PhaseLimit:        "limit",
	PhaseValidate:     "validate",
	PhaseCache:        "cache",
	PhaseTransform:    "transform",
	PhaseEncode:       "encode",
}

// Phased is a Spec whose phase depends on its settings, not only on its
// kind: a rate limit keyed by client IP must run before authentication
// (so a flood of wrong passwords is refused before the password hash is
// checked), one keyed by consumer after it.
type Phased interface {
	Phase() Phase
}

func (p Phase) String() string {
	if n, ok := phaseNames[p]; ok {
		return n
	}
	return "phase-unknown"
}

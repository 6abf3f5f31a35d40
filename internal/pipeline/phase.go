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
	PhaseAccess       Phase = 10 // ip restriction, CORS: cheap rejections first
	PhaseAuthenticate Phase = 20 // who is calling
	PhaseAuthorize    Phase = 30 // may they
	PhaseLimit        Phase = 40 // rate limits, after identity is known
	PhaseValidate     Phase = 50 // request schema checks
	PhaseCache        Phase = 60 // may answer without the upstream
	PhaseTransform    Phase = 70 // request and response rewriting, nearest the proxy
)

var phaseNames = map[Phase]string{
	PhaseAccess:       "access",
	PhaseAuthenticate: "authenticate",
	PhaseAuthorize:    "authorize",
	PhaseLimit:        "limit",
	PhaseValidate:     "validate",
	PhaseCache:        "cache",
	PhaseTransform:    "transform",
}

func (p Phase) String() string {
	if n, ok := phaseNames[p]; ok {
		return n
	}
	return "phase-unknown"
}

package pipeline

import (
	"log/slog"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/statepool"
)

// Handler is the rest of a chain. A non-nil error that has not been written
// is answered by the one responder (see WriteError).
type Handler func(w http.ResponseWriter, r *http.Request) error

// Policy is one built policy instance. It calls next to continue the chain
// or returns an *Error to stop it.
type Policy interface {
	Handle(w http.ResponseWriter, r *http.Request, next Handler) error
}

// ResponsePolicy is implemented by policies that also act on the upstream's
// response before it is written to the client.
type ResponsePolicy interface {
	ModifyResponse(resp *http.Response, st *State) error
}

// Spec is a policy's settings, decoded from config by config.Decode.
type Spec interface {
	// Validate checks the settings without I/O; at is the settings' path.
	Validate(at config.Path) []config.FieldError
	// Build makes the policy. Called once per config, never per request.
	Build(ctx BuildContext) (Policy, error)
}

// BuildContext is what a Spec may use while building.
type BuildContext struct {
	// Path is where the settings were written, for error messages.
	Path config.Path
	// Route and Service name the scope the policy is built for.
	Route   string
	Service string
	Logger  *slog.Logger
	// Config is the whole config being built, e.g. for its consumers.
	Config *config.Config
	// State keeps state (limiter buckets, caches, key sets) across
	// reloads; see statepool. Nil in unit tests that do not need it.
	State *statepool.Gen
}

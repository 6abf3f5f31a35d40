package pipeline

import "net/http"

// Explainer is a policy that can say what it would decide for a request
// without acting on it, for explain (a cache's key and whether the
// request would be a hit).
type Explainer interface {
	Explain(r *http.Request, st *State) map[string]any
}

package runtime

import (
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/internal/pipeline"
	"github.com/gatehouse/gatehouse/internal/router"
)

// unmatched answers a request no route takes: 405 when routes matched
// but for the method, else 404. Pre-route policies run first and may
// answer instead (a CORS preflight, an IP refused): those of the first
// route that missed by method alone, or the global ones.
func (rt *Runtime) unmatched(w http.ResponseWriter, r *http.Request, res router.Result) error {
	pre, err := rt.unmatchedPlan(res)
	if pre == nil {
		return err
	}
	return pre.Serve(w, r, err)
}

// unmatchedPlan is the pre-route step and the routing error for a
// request no route takes, shared by serving and explain.
func (rt *Runtime) unmatchedPlan(res router.Result) (*pipeline.PreRoute, error) {
	if len(res.Allow) > 0 {
		return rt.routes[res.MethodMiss].pre, &pipeline.Error{Status: http.StatusMethodNotAllowed, Msg: "method not allowed",
			Header: http.Header{"Allow": {strings.Join(res.Allow, ", ")}}}
	}
	return rt.unrouted, errNoRoute
}

package pipeline

import (
	"errors"
	"net/http"
)

// The pre-route phase runs before routing answers 404 or 405 and before
// authentication answers 401: a CORS preflight to a route that lists
// only GET must still get its 204, and an address on a deny list must be
// refused whether or not its request names a route.
//
// A matched route runs its pre-route policies at the head of its chain
// (see BuildFor), so the ordinary path pays nothing more. A request that
// no route takes runs a PreRoute instead: the global one for a 404, the
// pre-route policies of the first route that missed only by method for
// a 405. If they let the request on, routing's answer stands.

// PreRoute is the pre-route policies of one scope, built on their own
// for requests no route takes.
type PreRoute struct {
	// Policies in run order, for explain.
	Policies []Decoded
	serve    Handler
}

// errRouted ends a PreRoute's chain: every policy let the request on.
var errRouted = errors.New("pre-route policies passed")

// BuildPreRoute builds the pre-route policies of list, nil when it has
// none.
func BuildPreRoute(list []Decoded, base BuildContext) (*PreRoute, error) {
	list = list[:preRouteCount(list)]
	if len(list) == 0 {
		return nil, nil
	}
	c, err := Build(list, func(http.ResponseWriter, *http.Request) error { return errRouted }, base)
	if err != nil {
		return nil, err
	}
	return &PreRoute{Policies: list, serve: c.Serve}, nil
}

// Serve runs the policies; when they let the request on it returns
// routed, routing's own answer (a 404 or 405 error).
func (p *PreRoute) Serve(w http.ResponseWriter, r *http.Request, routed error) error {
	if err := p.serve(w, r); err != errRouted {
		return err
	}
	return routed
}

// preRouteCount is how many policies at the head of list (in run order)
// are pre-route ones.
func preRouteCount(list []Decoded) int {
	n := 0
	for n < len(list) && list[n].Phase == PhasePreRoute {
		n++
	}
	return n
}

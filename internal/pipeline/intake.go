package pipeline

import (
	"net/http"
	"net/textproto"
	"slices"
)

// HeaderOwner is a policy that sets request headers the service trusts,
// such as who the caller is. The chain removes every owner's headers from
// the client's request once, before any policy of the route runs: a
// policy that does not run (because another method authenticated the
// request first) then cannot leave a forged header of its own in place.
type HeaderOwner interface {
	// OwnedHeaders names the headers, fixed when the policy is built.
	OwnedHeaders() []string
}

// Prechecker is a policy that must judge the client's request as sent,
// before any policy of the route runs and whether or not it runs itself:
// an authentication method refuses an ambiguous credential even when
// another method authenticates the request.
type Prechecker interface {
	// Precheck returns an error (an *Error) to refuse the request.
	Precheck(r *http.Request) error
}

// ownedHeaders is the sorted union of the owners' headers, canonical.
func ownedHeaders(built []Policy) []string {
	var out []string
	for _, p := range built {
		if o, ok := p.(HeaderOwner); ok {
			for _, h := range o.OwnedHeaders() {
				out = append(out, textproto.CanonicalMIMEHeaderKey(h))
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func prechecks(built []Policy) []Prechecker {
	var out []Prechecker
	for _, p := range built {
		if c, ok := p.(Prechecker); ok {
			out = append(out, c)
		}
	}
	return out
}

// intake removes the owned headers and runs the prechecks, then next.
// Routes with neither get no intake step at all.
func intake(owned []string, checks []Prechecker, next Handler) Handler {
	if len(owned) == 0 && len(checks) == 0 {
		return next
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		for _, n := range owned {
			delete(r.Header, n)
		}
		for _, c := range checks {
			if err := c.Precheck(r); err != nil {
				return err
			}
		}
		return next(w, r)
	}
}

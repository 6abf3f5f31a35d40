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

// stripFirst removes names from the request, then runs next.
func stripFirst(names []string, next Handler) Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		for _, n := range names {
			delete(r.Header, n)
		}
		return next(w, r)
	}
}

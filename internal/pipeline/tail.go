package pipeline

// TailUser is a policy that answers on its own with a stored response
// (a cache hit) and must pass it through the response policies that come
// after it in the chain, as a response from the service would: a
// response_transform or compress after a cache applies to hits too.
type TailUser interface {
	UseResponseTail(tail []ResponsePolicy)
}

// giveTails hands every TailUser of a built chain the response policies
// that follow it, once, at build time.
func giveTails(built []Policy) {
	for i, p := range built {
		tu, ok := p.(TailUser)
		if !ok {
			continue
		}
		var tail []ResponsePolicy
		for _, q := range built[i+1:] {
			if rp, ok := q.(ResponsePolicy); ok {
				tail = append(tail, rp)
			}
		}
		tu.UseResponseTail(tail)
	}
}

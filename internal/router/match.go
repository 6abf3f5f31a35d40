package router

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// request is what one Match call knows about the request. It lives on the
// stack; the query is parsed only if a candidate route has query
// conditions, which keeps plain matches free of allocations.
type request struct {
	method   string
	header   http.Header
	rawQuery string
	query    url.Values
	parsed   bool
	path     string

	methodMiss bool     // some route failed on the method alone
	missIndex  int      // the first such route's index
	collect    bool     // second pass: gather methods into allow
	allow      []string // methods of routes that failed on the method alone
}

// Match returns the route for the request with the given Host (a port is
// ignored) and normalised path, following the priority documented in
// table.go. Method, headers and query come from r.
func (t *Table) Match(r *http.Request, host, path string) Result {
	q := request{path: path}
	if r != nil {
		q.method, q.header = r.Method, r.Header
		if r.URL != nil {
			q.rawQuery = r.URL.RawQuery
		}
	}
	h := requestHost(host)
	if res, ok := t.search(&q, h); ok || !q.methodMiss {
		return res
	}
	// Nothing matched but the method was all that failed somewhere. Only
	// now pay for collecting the methods: a match in a later tier or
	// route would have made them useless.
	q.collect = true
	t.search(&q, h)
	slices.Sort(q.allow)
	return Result{Index: -1, Allow: slices.Compact(q.allow), MethodMiss: q.missIndex}
}

// search tries the host tiers in priority order.
func (t *Table) search(q *request, host string) (Result, bool) {
	if g := t.exactHosts[host]; g != nil {
		if res, ok := g.search(q); ok {
			return res, true
		}
	}
	if t.wildHosts != nil {
		// Each dot after the first label starts a suffix, longest first;
		// a wildcard never covers its bare domain (i > 0).
		for i := 1; i < len(host); i++ {
			if host[i] != '.' {
				continue
			}
			if g := t.wildHosts[host[i:]]; g != nil {
				if res, ok := g.search(q); ok {
					return res, true
				}
			}
		}
	}
	return t.anyHost.search(q)
}

// search tries one tier's routes in priority order.
func (g *group) search(q *request) (Result, bool) {
	p := q.path
	for _, rt := range g.exact[p] {
		if q.try(rt) {
			return Result{Value: rt.value, Index: rt.index}, true
		}
	}
	for _, rt := range g.regex {
		if caps, ok := q.tryRegex(rt); ok {
			return Result{Value: rt.value, Index: rt.index, Captures: caps}, true
		}
	}
	if g.prefix == nil {
		return Result{Index: -1}, false
	}
	// Walk the path's segment boundaries from longest to shortest, looking
	// each prefix up: cost grows with the path, not with the route count.
	// Boundary 0 is the root prefix "", which covers every path.
	for i := min(len(p), g.maxPrefix); i >= 0; i-- {
		if i > 0 && i < len(p) && p[i] != '/' {
			continue
		}
		for _, rt := range g.prefix[p[:i]] {
			if q.try(rt) {
				return Result{Value: rt.value, Index: rt.index}, true
			}
		}
	}
	return Result{Index: -1}, false
}

// try checks everything but the path, which the caller matched.
func (q *request) try(rt *route) bool {
	if !q.condsHold(rt) {
		return false
	}
	if !rt.methodOK(q.method) {
		q.missed(rt)
		return false
	}
	return true
}

// tryRegex checks a regex route. The cheap conditions go first so that
// the regex runs only when it decides the outcome, and captures are taken
// only for a full match.
func (q *request) tryRegex(rt *route) ([]Capture, bool) {
	if !strings.HasPrefix(q.path, rt.lit) || !q.condsHold(rt) {
		return nil, false
	}
	if !rt.methodOK(q.method) {
		if rt.re.MatchString(q.path) {
			q.missed(rt)
		}
		return nil, false
	}
	if !rt.captures {
		return nil, rt.re.MatchString(q.path)
	}
	m := rt.re.FindStringSubmatchIndex(q.path)
	if m == nil {
		return nil, false
	}
	var caps []Capture
	for i, name := range rt.re.SubexpNames() {
		if name == "" {
			continue
		}
		c := Capture{Name: name}
		if m[2*i] >= 0 { // a group that took no part captures ""
			c.Value = q.path[m[2*i]:m[2*i+1]]
		}
		caps = append(caps, c)
	}
	return caps, true
}

func (q *request) missed(rt *route) {
	if !q.methodMiss {
		q.missIndex = rt.index
	}
	q.methodMiss = true
	if q.collect {
		q.allow = append(q.allow, rt.methods...)
	}
}

func (q *request) condsHold(rt *route) bool {
	for i := range rt.headers {
		c := &rt.headers[i]
		if !c.holds(q.header[c.name]) {
			return false
		}
	}
	if len(rt.query) == 0 {
		return true
	}
	if !q.parsed {
		// A malformed pair is dropped; the well-formed ones still count.
		q.query, _ = url.ParseQuery(q.rawQuery)
		q.parsed = true
	}
	for i := range rt.query {
		c := &rt.query[i]
		if !c.holds(q.query[c.name]) {
			return false
		}
	}
	return true
}

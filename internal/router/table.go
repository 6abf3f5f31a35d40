package router

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// HeaderMatch is one header condition. Exactly one of Value, Regex and
// Present is meant to be set; when none is, Value "" is matched exactly.
// Name is case-insensitive. A header sent several times matches when any
// of its values does.
type HeaderMatch struct {
	Name    string
	Value   string // exact value
	Regex   string // RE2, unanchored
	Present *bool  // true: must be present; false: must be absent
}

// QueryMatch is one query-parameter condition; Name is case-sensitive.
type QueryMatch = HeaderMatch

// Spec is one route as the router sees it. At most one of Path, PathRegex
// and PathPrefix may be set; none means PathPrefix "/".
type Spec struct {
	Hosts      []string // "api.example.com" or "*.example.com"; empty: any host
	Path       string   // exact path
	PathPrefix string   // prefix at segment boundaries
	PathRegex  string   // RE2 matched against the whole path; named groups are captured
	Methods    []string // empty: any method
	Headers    []HeaderMatch
	Query      []QueryMatch
	Value      any // returned as is on a match
}

// Capture is one named group of a regex route's match.
type Capture struct {
	Name, Value string
}

// Result is the outcome of Table.Match.
type Result struct {
	Value    any       // the matched Spec's Value; nil if none matched
	Index    int       // the matched Spec's index; -1 if none matched
	Captures []Capture // named groups of a regex route, in group order
	Allow    []string  // when only the method failed: sorted methods that would match
	// MethodMiss is, when Allow is set, the index of the first route (in
	// priority order) that failed on the method alone: the route whose
	// pre-route policies (a CORS preflight) answer for it.
	MethodMiss int
}

// CompileError says which spec Compile refused and why.
type CompileError struct {
	Index  int
	Reason string
}

func (e *CompileError) Error() string { return fmt.Sprintf("route %d: %s", e.Index, e.Reason) }

// Table is a compiled set of routes, immutable and safe for concurrent
// use.
//
// Route priority. A route matches fully when its host, path, methods,
// headers and query conditions all hold. Routes are tried one host tier
// at a time, best first, falling through to the next tier only when no
// route of the tier matches fully:
//
//  1. routes naming the request's host exactly;
//  2. routes with a wildcard host covering it, longest suffix first
//     ("*.b.example.com" before "*.example.com");
//  3. routes without hosts.
//
// Hosts compare case-insensitively, without port and without a trailing
// dot; "*.example.com" covers "a.example.com" and "a.b.example.com" but
// not "example.com". Within a tier:
//
//  1. routes whose exact path is the path;
//  2. regex routes, in config order;
//  3. prefix routes, longest prefix first. A prefix matches at segment
//     boundaries ("/api" takes "/api", "/api/" and "/api/x", not "/apix");
//     a trailing slash on it is ignored, and "/" takes every path.
//
// Routes with the same exact path or the same prefix are tried in order of
// how many conditions they have, most first (one per header and query
// condition, plus one if methods are listed), then in config order.
//
// When no route in any tier matches fully but some matched everything
// except the method, the result carries the union of their methods for a
// 405 answer; otherwise the answer is 404.
type Table struct {
	// all are the routes in config order with their canonical hosts, for
	// Explain; matching never scans them.
	all   []*route
	hosts [][]string

	exactHosts map[string]*group // by canonical host name
	wildHosts  map[string]*group // by suffix with its dot, ".example.com"
	anyHost    group
}

// group holds the routes of one host tier, indexed for lookup.
type group struct {
	exact     map[string][]*route // by path
	regex     []*route            // config order
	prefix    map[string][]*route // by prefix without trailing slash; "/" is ""
	maxPrefix int                 // longest prefix key, to skip longer path boundaries
}

// Compile builds a Table from specs. Spec order is config order.
func Compile(specs []Spec) (*Table, error) {
	t := &Table{}
	for i := range specs {
		rt, err := compileRoute(i, &specs[i])
		if err != nil {
			return nil, &CompileError{Index: i, Reason: err.Error()}
		}
		hosts, err := specHosts(specs[i].Hosts)
		if err != nil {
			return nil, &CompileError{Index: i, Reason: err.Error()}
		}
		t.all, t.hosts = append(t.all, rt), append(t.hosts, hosts)
		if len(hosts) == 0 {
			t.anyHost.add(rt)
		}
		for _, h := range hosts {
			t.groupFor(h).add(rt)
		}
	}
	t.anyHost.sort()
	for _, g := range t.exactHosts {
		g.sort()
	}
	for _, g := range t.wildHosts {
		g.sort()
	}
	return t, nil
}

// groupFor returns the group of a canonical host pattern, creating it.
func (t *Table) groupFor(h string) *group {
	m := &t.exactHosts
	if strings.HasPrefix(h, "*.") {
		m, h = &t.wildHosts, h[1:]
	}
	if *m == nil {
		*m = make(map[string]*group)
	}
	g := (*m)[h]
	if g == nil {
		g = &group{}
		(*m)[h] = g
	}
	return g
}

func (g *group) add(rt *route) {
	switch rt.kind {
	case kindExact:
		if g.exact == nil {
			g.exact = make(map[string][]*route)
		}
		g.exact[rt.key] = append(g.exact[rt.key], rt)
	case kindRegex:
		g.regex = append(g.regex, rt)
	default:
		if g.prefix == nil {
			g.prefix = make(map[string][]*route)
		}
		g.prefix[rt.key] = append(g.prefix[rt.key], rt)
		g.maxPrefix = max(g.maxPrefix, len(rt.key))
	}
}

// sort puts routes sharing a path key in priority order. Regex routes stay
// in config order, which add preserved.
func (g *group) sort() {
	for _, rs := range g.exact {
		sortByConds(rs)
	}
	for _, rs := range g.prefix {
		sortByConds(rs)
	}
}

func sortByConds(rs []*route) {
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].conds != rs[j].conds {
			return rs[i].conds > rs[j].conds
		}
		return rs[i].index < rs[j].index
	})
}

// compileRegex anchors a path regex and also returns its literal prefix,
// which every matching path must start with.
func compileRegex(expr string) (*regexp.Regexp, string, error) {
	// Compile the expression alone first: "a)|(b" is invalid, but wrapped
	// as ^(?:a)|(b)$ it would compile and escape the anchors.
	bare, err := regexp.Compile(expr)
	if err != nil {
		return nil, "", err
	}
	re, err := regexp.Compile(`^(?:` + expr + `)$`)
	if err != nil {
		return nil, "", err
	}
	// The anchored form usually reports no literal prefix; the bare one
	// does, and it holds for the anchored form too.
	lit, _ := bare.LiteralPrefix()
	return re, lit, nil
}

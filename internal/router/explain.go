package router

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Verdict says whether one route matched a request and, if not, why.
type Verdict struct {
	// Index is the route's position in config order.
	Index int
	// Matched: every condition holds. Whether it was chosen depends on
	// priority (see Table).
	Matched bool
	// Why lists each condition with its outcome, e.g. "path: prefix /api
	// covers /api/x" or "method: GET not in [POST]".
	Why []string
}

// Explain evaluates every route against the request on its own, in config
// order, saying which conditions hold. It is for operators (gatehouse
// explain), not the request path: it scans every route and allocates.
func (t *Table) Explain(r *http.Request, host, path string) []Verdict {
	h := requestHost(host)
	var query url.Values
	if r.URL != nil {
		query, _ = url.ParseQuery(r.URL.RawQuery)
	}
	out := make([]Verdict, len(t.all))
	for i, rt := range t.all {
		v := Verdict{Index: rt.index, Matched: true}
		add := func(ok bool, format string, args ...any) {
			mark := "ok"
			if !ok {
				mark, v.Matched = "no", false
			}
			v.Why = append(v.Why, mark+": "+fmt.Sprintf(format, args...))
		}
		hostOK, hostWhy := explainHost(t.hosts[i], h)
		add(hostOK, "%s", hostWhy)
		pathOK, pathWhy := rt.explainPath(path)
		add(pathOK, "%s", pathWhy)
		if len(rt.methods) > 0 {
			add(rt.methodOK(r.Method), "method %s in %v", r.Method, rt.methods)
		}
		for _, c := range rt.headers {
			add(c.holds(r.Header[c.name]), "header %s", c.describe())
		}
		for _, c := range rt.query {
			add(c.holds(query[c.name]), "query %s", c.describe())
		}
		out[i] = v
	}
	return out
}

func explainHost(hosts []string, h string) (bool, string) {
	if len(hosts) == 0 {
		return true, "host: any"
	}
	for _, p := range hosts {
		if p == h {
			return true, "host " + h + " equals " + p
		}
		if strings.HasPrefix(p, "*.") && strings.HasSuffix(h, p[1:]) && len(h) > len(p)-1 {
			return true, "host " + h + " is covered by " + p
		}
	}
	return false, fmt.Sprintf("host %s not in %v", h, hosts)
}

func (rt *route) explainPath(p string) (bool, string) {
	switch rt.kind {
	case kindExact:
		return p == rt.key, fmt.Sprintf("path %s equals %s", p, rt.key)
	case kindRegex:
		return rt.re.MatchString(p), fmt.Sprintf("path %s matches regex %s", p, rt.re.String())
	}
	prefix := rt.key
	ok := prefix == "" || p == prefix || strings.HasPrefix(p, prefix+"/")
	if prefix == "" {
		prefix = "/"
	}
	return ok, fmt.Sprintf("path %s under prefix %s", p, prefix)
}

func (c *cond) describe() string {
	switch {
	case c.present > 0:
		return c.name + " present"
	case c.present < 0:
		return c.name + " absent"
	case c.re != nil:
		return c.name + " matches " + c.re.String()
	}
	return c.name + " = " + c.value
}

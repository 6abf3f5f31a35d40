package runtime

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
	"github.com/gatehouse/gatehouse/internal/router"
)

// Routing takes the path first and the method second, as Kong and Envoy
// do: a route with `methods: [GET, POST]` on /admin leaves DELETE /admin
// to the next route that takes the path, often a public catch-all. That
// is correct but easy to get wrong, so validate and explain point it out
// whenever the route the other methods reach has less authentication.

// checkedMethods are the methods tried against each route with methods.
// Any other method falls through the same way.
var checkedMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

// Shadowed returns a warning for each route with methods whose path,
// under another method, is served by a route missing some of its
// authentication or authorization policies. Warnings carry paths only
// (cfg.Locate positions them); a config the router refuses gets none.
func Shadowed(cfg *config.Config, scopes *Scopes) []config.FieldError {
	specs := make([]router.Spec, len(cfg.Routes))
	guards := make([][]string, len(cfg.Routes))
	for i, rc := range cfg.Routes {
		specs[i] = routerSpec(rc, i)
		guards[i] = guardNames(pipeline.Merge(scopes.Global, scopes.Services[rc.Service], scopes.Routes[i]))
	}
	table, err := router.Compile(specs)
	if err != nil {
		return nil
	}
	var out []config.FieldError
	for i, rc := range cfg.Routes {
		host, path, ok := sampleTarget(rc.Match)
		if len(rc.Match.Methods) == 0 || len(guards[i]) == 0 || !ok {
			continue
		}
		byRoute := map[int][]string{}
		var order []int
		for _, m := range checkedMethods {
			res := table.Match(&http.Request{Method: m, Header: http.Header{}, URL: &url.URL{}}, host, path)
			if res.Index < 0 || res.Index == i || lists(rc.Match.Methods, m) || len(lacking(guards[i], guards[res.Index])) == 0 {
				continue
			}
			if byRoute[res.Index] == nil {
				order = append(order, res.Index)
			}
			byRoute[res.Index] = append(byRoute[res.Index], m)
		}
		for _, j := range order {
			out = append(out, config.Errorf(config.Path("routes").Index(i).Field("match").Field("methods"),
				"%s to %s (and any other method not listed) fall through to route %q, which lacks %s; give %s a route without methods that has the same authentication (see docs/routing.md)",
				strings.Join(byRoute[j], ", "), path, cfg.Routes[j].Name, strings.Join(lacking(guards[i], guards[j]), ", "), path))
		}
	}
	return out
}

// guardNames are the names of the authentication and authorization
// policies of a chain, sorted.
func guardNames(list []pipeline.Decoded) []string {
	var out []string
	for _, d := range list {
		if d.Phase == pipeline.PhaseAuthenticate || d.Phase == pipeline.PhaseAuthorize {
			out = append(out, d.Name)
		}
	}
	slices.Sort(out)
	return out
}

// lacking returns the names in want that have is missing.
func lacking(want, have []string) []string {
	var out []string
	for _, n := range want {
		if !slices.Contains(have, n) {
			out = append(out, n)
		}
	}
	return out
}

// lists reports whether methods allow m, with GET allowing HEAD as the
// router has it.
func lists(methods []string, m string) bool {
	for _, x := range methods {
		x = strings.ToUpper(x)
		if x == m || x == "GET" && m == "HEAD" {
			return true
		}
	}
	return false
}

// sampleTarget is a host and path the route's match covers: its first
// host (a wildcard filled in) and its exact path or prefix. Regex routes
// have no such path to try.
func sampleTarget(m config.Match) (host, path string, ok bool) {
	if len(m.Hosts) > 0 {
		host = m.Hosts[0]
		if strings.HasPrefix(host, "*.") {
			host = "any" + host[1:]
		}
	}
	switch {
	case m.PathRegex != "":
		return "", "", false
	case m.Path != "":
		return host, m.Path, true
	case m.PathPrefix != "":
		return host, m.PathPrefix, true
	}
	return host, "/", true
}

// fallThrough explains, for a request routed to chosen, each route that
// matched everything but the method and has authentication chosen lacks.
func (rt *Runtime) fallThrough(verdicts []router.Verdict, chosen int, method string) []string {
	var out []string
	have := guardNames(rt.routes[chosen].chain.Policies)
	for _, v := range verdicts {
		if v.Index == chosen || !onlyMethodFailed(v.Why) {
			continue
		}
		if missing := lacking(guardNames(rt.routes[v.Index].chain.Policies), have); len(missing) > 0 {
			out = append(out, fmt.Sprintf("route %q takes this path but not %s; the request falls through to route %q, which lacks %s",
				rt.routes[v.Index].name, method, rt.routes[chosen].name, strings.Join(missing, ", ")))
		}
	}
	return out
}

// onlyMethodFailed reports a verdict whose one failed condition is the
// method.
func onlyMethodFailed(why []string) bool {
	failed := 0
	method := false
	for _, w := range why {
		if strings.HasPrefix(w, "no: ") {
			failed++
			method = method || strings.HasPrefix(w, "no: method ")
		}
	}
	return failed == 1 && method
}

package config

import (
	"regexp"
	"strings"

	"golang.org/x/net/http/httpguts"
)

func (v *validator) routes() {
	at := Path("routes")
	names := v.names("route")
	services := make([]string, 0, len(v.c.Services))
	known := map[string]bool{}
	for _, s := range v.c.Services {
		if s.Name != "" && !known[s.Name] {
			known[s.Name] = true
			services = append(services, s.Name)
		}
	}
	for i, r := range v.c.Routes {
		ri := at.Index(i)
		v.name(r.Name, ri.Field("name"))
		names.check(routeName(r.Name, i), ri.Field("name"))
		switch {
		case r.Service == "":
			v.errorf(ri.Field("service"), "required")
		case !known[r.Service]:
			v.errorf(ri.Field("service"), "unknown service %q%s", r.Service, Suggest(r.Service, services))
		}
		groups := v.match(r.Match, ri.Field("match"))
		v.stripPrefix(r, ri)
		v.rewrite(r, ri, groups)
		v.routeResilience(r, ri)
		v.bufferRequest(r.BufferRequestBytes, ri.Field("buffer_request_bytes"))
	}
}

// match checks a route's conditions and returns the named groups of its
// path_regex (nil if it has none or it does not compile).
func (v *validator) match(m Match, at Path) []string {
	var set []string // which of path, path_prefix, path_regex are given
	for _, f := range []struct{ name, val string }{{"path", m.Path}, {"path_prefix", m.PathPrefix}, {"path_regex", m.PathRegex}} {
		if f.val == "" {
			continue
		}
		if len(set) > 0 {
			v.errorf(at.Field(f.name), "cannot be combined with %q (use one of path, path_prefix and path_regex)", set[0])
		}
		set = append(set, f.name)
	}
	if m.Path != "" && !strings.HasPrefix(m.Path, "/") {
		v.errorf(at.Field("path"), `must start with "/"`)
	}
	if m.PathPrefix != "" && !strings.HasPrefix(m.PathPrefix, "/") {
		v.errorf(at.Field("path_prefix"), `must start with "/"`)
	}
	var groups []string
	if m.PathRegex != "" {
		if re, ok := v.regex(m.PathRegex, at.Field("path_regex")); ok {
			groups = re.SubexpNames()
		}
	}
	for i, meth := range m.Methods {
		if !httpguts.ValidHeaderFieldName(meth) { // a method is a token
			v.errorf(at.Field("methods").Index(i), "invalid method %q", meth)
		}
	}
	for i, h := range m.Hosts {
		if !validHostPattern(h) {
			v.errorf(at.Field("hosts").Index(i), `invalid host %q: want a name like "api.example.com" or a wildcard like "*.example.com"`, h)
		}
	}
	for i, h := range m.Headers {
		v.valueMatch(h, at.Field("headers").Index(i), true)
	}
	for i, q := range m.Query {
		v.valueMatch(q, at.Field("query").Index(i), false)
	}
	return groups
}

// regex compiles an RE2 expression, reporting why it does not.
func (v *validator) regex(expr string, at Path) (*regexp.Regexp, bool) {
	re, err := regexp.Compile(expr)
	if err != nil {
		v.errorf(at, "invalid regex: %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		return nil, false
	}
	return re, true
}

func (v *validator) valueMatch(m ValueMatch, at Path, header bool) {
	switch {
	case m.Name == "":
		v.errorf(at.Field("name"), "required")
	case header && RequestHeaderProblem(m.Name) != "":
		v.errorf(at.Field("name"), "%s", RequestHeaderProblem(m.Name))
	}
	var set []string
	for _, f := range []struct {
		name  string
		given bool
	}{{"value", m.Value != ""}, {"regex", m.Regex != ""}, {"present", m.Present != nil}} {
		if !f.given {
			continue
		}
		if len(set) > 0 {
			v.errorf(at.Field(f.name), "cannot be combined with %q (use one of value, regex and present)", set[0])
		}
		set = append(set, f.name)
	}
	if len(set) == 0 {
		v.errorf(at, "one of value, regex or present is required")
	}
	if m.Regex != "" {
		v.regex(m.Regex, at.Field("regex"))
	}
}

// stripPrefix checks that strip_prefix removes a leading part of every
// path the route can match, which is only knowable for path and
// path_prefix, and only safe at a segment boundary ("/api" off "/api/v1",
// never "/ap" off "/api").
func (v *validator) stripPrefix(r Route, at Path) {
	sp := r.StripPrefix
	if sp == "" {
		return
	}
	field := at.Field("strip_prefix")
	if !strings.HasPrefix(sp, "/") {
		v.errorf(field, `must start with "/"`)
		return
	}
	if r.Match.PathRegex != "" {
		v.errorf(field, "cannot be combined with match.path_regex (use rewrite)")
		return
	}
	base, which := r.Match.PathPrefix, "path_prefix"
	if base == "" {
		base, which = r.Match.Path, "path"
	}
	if base == "" {
		v.errorf(field, "needs match.path_prefix or match.path to strip from")
		return
	}
	if !segmentPrefix(sp, base) {
		v.errorf(field, "%q is not a prefix of match.%s %q at a segment boundary", sp, which, base)
	}
}

// segmentPrefix reports whether p is a prefix of path ending at a "/".
func segmentPrefix(p, path string) bool {
	if !strings.HasPrefix(path, p) {
		return false
	}
	return len(p) == len(path) || strings.HasSuffix(p, "/") || path[len(p)] == '/'
}

// rewrite checks the replacement path and its {name} placeholders against
// the named groups of path_regex.
func (v *validator) rewrite(r Route, at Path, groups []string) {
	rw := r.Rewrite
	if rw == "" {
		return
	}
	field := at.Field("rewrite")
	if !strings.HasPrefix(rw, "/") {
		v.errorf(field, `must start with "/"`)
	}
	if r.StripPrefix != "" {
		v.errorf(field, "cannot be combined with strip_prefix")
	}
	names, problem := placeholders(rw)
	if problem != "" {
		v.errorf(field, "%s", problem)
		return
	}
	for _, name := range names {
		switch {
		case r.Match.PathRegex == "":
			v.errorf(field, "{%s} needs match.path_regex with a named group (?P<%s>...)", name, name)
			return
		case groups == nil:
			return // path_regex does not compile; already reported
		case !contains(groups, name):
			var named []string
			for _, g := range groups {
				if g != "" {
					named = append(named, g)
				}
			}
			v.errorf(field, "{%s} is not a named group of match.path_regex%s", name, Suggest(name, named))
		}
	}
}

// placeholders returns the {name}s in a rewrite, or what is malformed.
func placeholders(s string) ([]string, string) {
	var names []string
	for {
		open := strings.IndexByte(s, '{')
		if open < 0 {
			if strings.IndexByte(s, '}') >= 0 {
				return nil, `unmatched "}"`
			}
			return names, ""
		}
		if strings.IndexByte(s[:open], '}') >= 0 {
			return nil, `unmatched "}"`
		}
		end := strings.IndexByte(s[open:], '}')
		if end < 0 {
			return nil, `unterminated "{"`
		}
		name := s[open+1 : open+end]
		if !validEnvName(name) {
			return nil, "invalid placeholder {" + name + "}: want {name} with name a path_regex group"
		}
		names = append(names, name)
		s = s[open+end+1:]
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// maxBufferRequestBytes bounds request buffering per request: bodies past
// it stream, and a larger buffer would only let few requests take the
// whole body memory.
const maxBufferRequestBytes = 64 << 20

func (v *validator) bufferRequest(n int, at Path) {
	switch {
	case n < 0:
		v.errorf(at, "must not be negative")
	case n > maxBufferRequestBytes:
		v.errorf(at, "must be at most %d (64 MiB), got %d", maxBufferRequestBytes, n)
	}
}

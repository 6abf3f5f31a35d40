package router

import (
	"errors"
	"net/textproto"
	"regexp"
	"strings"
)

type pathKind uint8

const (
	kindPrefix pathKind = iota
	kindExact
	kindRegex
)

// route is one compiled Spec.
type route struct {
	index int
	value any
	kind  pathKind
	key   string // exact path, or prefix without trailing slash

	re       *regexp.Regexp
	lit      string // literal prefix of re
	captures bool   // re has named groups

	methods []string // upper case; empty: any
	headers []cond   // names canonical
	query   []cond
	conds   int // tie-break weight
}

// cond is one compiled header or query condition.
type cond struct {
	name    string
	value   string
	re      *regexp.Regexp // set for a regex condition
	present int8           // 0: value or regex; 1: must be present; -1: must be absent
}

func compileRoute(i int, s *Spec) (*route, error) {
	rt := &route{index: i, value: s.Value}
	set := 0
	for _, p := range []string{s.Path, s.PathPrefix, s.PathRegex} {
		if p != "" {
			set++
		}
	}
	if set > 1 {
		return nil, errors.New("only one of path, path_prefix and path_regex may be set")
	}
	switch {
	case s.Path != "":
		if err := checkSpecPath(s.Path); err != nil {
			return nil, err
		}
		rt.kind, rt.key = kindExact, s.Path
	case s.PathRegex != "":
		re, lit, err := compileRegex(s.PathRegex)
		if err != nil {
			return nil, errors.New("path_regex: " + err.Error())
		}
		rt.kind, rt.re, rt.lit = kindRegex, re, lit
		for _, n := range re.SubexpNames() {
			rt.captures = rt.captures || n != ""
		}
	default:
		p := s.PathPrefix
		if p == "" {
			p = "/"
		}
		if err := checkSpecPath(p); err != nil {
			return nil, err
		}
		// "/api/" behaves like "/api", and "/" becomes "" so that it is the
		// last boundary of every path.
		rt.kind, rt.key = kindPrefix, strings.TrimRight(p, "/")
	}
	for _, m := range s.Methods {
		if m == "" {
			return nil, errors.New("empty method")
		}
		rt.methods = append(rt.methods, strings.ToUpper(m))
	}
	rt.methods = withHead(rt.methods)
	var err error
	if rt.headers, err = compileConds(s.Headers, "header", textproto.CanonicalMIMEHeaderKey); err != nil {
		return nil, err
	}
	if rt.query, err = compileConds(s.Query, "query", func(n string) string { return n }); err != nil {
		return nil, err
	}
	rt.conds = len(rt.headers) + len(rt.query)
	if len(rt.methods) > 0 {
		rt.conds++
	}
	return rt, nil
}

// checkSpecPath refuses paths that no normalised request path can equal,
// so that a typo fails at load time instead of silently never matching.
func checkSpecPath(p string) error {
	if p[0] != '/' {
		return errors.New(`path must start with "/"`)
	}
	for s := range strings.SplitSeq(p[1:], "/") {
		if s == "." || s == ".." {
			return errors.New("path must not contain dot segments")
		}
	}
	if strings.Contains(p, "//") {
		return errors.New(`path must not contain "//"`)
	}
	return nil
}

func compileConds(ms []HeaderMatch, what string, canon func(string) string) ([]cond, error) {
	var cs []cond
	for _, m := range ms {
		if m.Name == "" {
			return nil, errors.New(what + " condition without a name")
		}
		c := cond{name: canon(m.Name), value: m.Value}
		switch {
		case m.Present != nil && *m.Present:
			c.present = 1
		case m.Present != nil:
			c.present = -1
		case m.Regex != "":
			re, err := regexp.Compile(m.Regex)
			if err != nil {
				return nil, errors.New(what + " " + m.Name + ": " + err.Error())
			}
			c.re = re
		}
		cs = append(cs, c)
	}
	return cs, nil
}

// holds reports whether the condition holds for the values sent under its
// name; any one value may satisfy it.
func (c *cond) holds(vs []string) bool {
	switch {
	case c.present != 0:
		return (len(vs) > 0) == (c.present > 0)
	case c.re != nil:
		for _, v := range vs {
			if c.re.MatchString(v) {
				return true
			}
		}
	default:
		for _, v := range vs {
			if v == c.value {
				return true
			}
		}
	}
	return false
}

// withHead adds HEAD to methods that allow GET, as nginx's
// "limit_except GET" does: a HEAD is a GET without the body, and would
// otherwise fall through to whatever weaker route takes other methods.
func withHead(methods []string) []string {
	hasGet, hasHead := false, false
	for _, m := range methods {
		hasGet = hasGet || m == "GET"
		hasHead = hasHead || m == "HEAD"
	}
	if hasGet && !hasHead {
		return append(methods, "HEAD")
	}
	return methods
}

func (rt *route) methodOK(m string) bool {
	if len(rt.methods) == 0 {
		return true
	}
	for _, x := range rt.methods {
		if x == m {
			return true
		}
	}
	return false
}

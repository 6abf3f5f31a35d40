package router

import (
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// fuzzSpecs exercise every tier, path kind and condition kind at once.
var fuzzSpecs = []Spec{
	{Hosts: []string{"api.example.com"}, Path: "/users", Methods: []string{"GET"}},
	{Hosts: []string{"*.example.com"}, PathPrefix: "/api"},
	{Hosts: []string{"*.b.example.com"}, PathPrefix: "/api/v1", Methods: []string{"POST", "PUT"}},
	{PathRegex: `/users/(?P<id>[0-9]+)`, Methods: []string{"GET", "DELETE"}},
	{PathRegex: `/files/.*\.txt|/docs/[a-z]+`},
	{PathPrefix: "/api", Headers: []HeaderMatch{{Name: "X-Env", Value: "canary"}}},
	{PathPrefix: "/api", Methods: []string{"GET"}},
	{PathPrefix: "/api/v1/"},
	{Path: "/users", Query: []QueryMatch{{Name: "v", Present: yes()}}},
	{Path: "/users", Methods: []string{"POST"}},
	{PathPrefix: "/static", Headers: []HeaderMatch{{Name: "x-env", Regex: "^(dev|test)$"}}, Query: []QueryMatch{{Name: "debug", Present: no()}}},
	{Hosts: []string{"example.com"}, PathPrefix: "/", Methods: []string{"OPTIONS"}},
	{PathPrefix: "/", Methods: []string{"GET", "HEAD"}},
	{Hosts: []string{"*.example.com"}, PathRegex: `(?i)/ADMIN(/.*)?`},
	{Path: "/", Query: []QueryMatch{{Name: "x", Regex: "a+"}}},
	{Hosts: []string{"::1", "a.example.com"}, Path: "/users"},
}

// FuzzMatch checks Match against refMatch, a brute-force reading of the
// priority rules that shares no lookup structure with the Table.
func FuzzMatch(f *testing.F) {
	specs := slices.Clone(fuzzSpecs)
	for i := range specs {
		specs[i].Value = i
	}
	tb, err := Compile(specs)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range [][5]string{
		{"GET", "api.example.com", "/users", "", ""},
		{"POST", "x.b.example.com:80", "/api/v1/x", "", ""},
		{"DELETE", "[::1]:8080", "/users/42", "", "v=1"},
		{"GET", "example.com", "/api/v1", "canary", ""},
		{"PATCH", "example.com", "/users", "", ""},
		{"GET", "A.Example.com", "/Admin/x", "", ""},
		{"GET", "", "/static/x", "dev", "debug=1"},
		{"GET", "x", "/", "", "x=aa&x=b"},
		{"PUT", "x", "/files/a/b.txt", "", ""},
	} {
		f.Add(s[0], s[1], s[2], s[3], s[4])
	}
	f.Fuzz(func(t *testing.T, method, host, path, env, rawQuery string) {
		r := &http.Request{Method: method, Header: http.Header{}, URL: &url.URL{RawQuery: rawQuery}}
		if env != "" {
			r.Header.Set("X-Env", env)
		}
		got := tb.Match(r, host, path)
		want, allow := refMatch(specs, r, requestHost(host), path)
		if got.Index != want {
			t.Fatalf("Match(%q %q %q) = route %d; reference says %d", method, host, path, got.Index, want)
		}
		if want >= 0 && got.Value != want || want < 0 && got.Value != nil {
			t.Fatalf("got value %v for route %d", got.Value, want)
		}
		if !slices.Equal(got.Allow, allow) {
			t.Fatalf("Match(%q %q %q): got allow %q; want %q", method, host, path, got.Allow, allow)
		}
		if want == 3 {
			id := regexp.MustCompile(`[0-9]+$`).FindString(path)
			if wantCaps := []Capture{{"id", id}}; !reflect.DeepEqual(got.Captures, wantCaps) {
				t.Fatalf("got captures %q; want %q", got.Captures, wantCaps)
			}
		} else if got.Captures != nil {
			t.Fatalf("got captures %q for route %d", got.Captures, want)
		}
	})
}

// refMatch returns the index of the best fully matching spec (-1 if none)
// and, when there is none, the methods of specs that failed only on the
// method. host is already canonical.
func refMatch(specs []Spec, r *http.Request, host, path string) (int, []string) {
	best, bestKey := -1, []int(nil)
	var allow []string
	query, _ := url.ParseQuery(r.URL.RawQuery)
	for i, s := range specs {
		tier, sub, ok := refHost(s.Hosts, host)
		if !ok || !refConds(s.Headers, func(n string) []string { return r.Header.Values(n) }) ||
			!refConds(s.Query, func(n string) []string { return query[n] }) {
			continue
		}
		kind, keyLen, ok := refPath(s, path)
		if !ok {
			continue
		}
		if ms := refMethods(s.Methods); len(ms) > 0 && !slices.Contains(ms, r.Method) {
			allow = append(allow, ms...)
			continue
		}
		conds := len(s.Headers) + len(s.Query)
		if len(s.Methods) > 0 {
			conds++
		}
		if kind == 1 { // regex routes tie-break on config order alone
			conds = 0
		}
		key := []int{tier, -sub, kind, -keyLen, -conds, i}
		if best < 0 || slices.Compare(key, bestKey) < 0 {
			best, bestKey = i, key
		}
	}
	if best >= 0 || allow == nil {
		return best, nil
	}
	slices.Sort(allow)
	return -1, slices.Compact(allow)
}

// refHost returns the best tier of hosts that covers host: 0 exact, 1
// wildcard (sub is the suffix length), 2 any host.
func refHost(hosts []string, host string) (tier, sub int, ok bool) {
	if len(hosts) == 0 {
		return 2, 0, true
	}
	tier = 3
	for _, h := range hosts {
		h = strings.ToLower(h)
		switch {
		case h == host:
			return 0, 0, true
		case strings.HasPrefix(h, "*.") && strings.HasSuffix(host, h[1:]) && len(host) > len(h)-1:
			if tier > 1 || len(h) > sub {
				tier, sub = 1, len(h)
			}
		}
	}
	return tier, sub, tier < 3
}

// refPath returns the spec's path kind (0 exact, 1 regex, 2 prefix) and
// prefix length, and whether path matches.
func refPath(s Spec, path string) (kind, keyLen int, ok bool) {
	switch {
	case s.Path != "":
		return 0, 0, s.Path == path
	case s.PathRegex != "":
		// Leftmost-longest finds a match spanning the whole path exactly
		// when one exists, without relying on the router's anchoring.
		loc := refRegexp(s.PathRegex, true).FindStringIndex(path)
		return 1, 0, loc != nil && loc[0] == 0 && loc[1] == len(path)
	}
	p := strings.TrimRight(s.PathPrefix, "/")
	return 2, len(p), p == "" || path == p || strings.HasPrefix(path, p+"/")
}

func refConds(ms []HeaderMatch, get func(string) []string) bool {
	for _, m := range ms {
		vs := get(m.Name)
		var ok bool
		switch {
		case m.Present != nil:
			ok = (len(vs) > 0) == *m.Present
		case m.Regex != "":
			ok = slices.ContainsFunc(vs, refRegexp(m.Regex, false).MatchString)
		default:
			ok = slices.Contains(vs, m.Value)
		}
		if !ok {
			return false
		}
	}
	return true
}

var refRegexps sync.Map // "expr" or "L:expr" to *regexp.Regexp

// refRegexp compiles expr once; longest selects leftmost-longest matching.
func refRegexp(expr string, longest bool) *regexp.Regexp {
	key := expr
	if longest {
		key = "L:" + expr
	}
	if re, ok := refRegexps.Load(key); ok {
		return re.(*regexp.Regexp)
	}
	re := regexp.MustCompile(expr)
	if longest {
		re.Longest()
	}
	refRegexps.Store(key, re)
	return re
}

// refMethods is the methods a spec allows, upper case, with HEAD wherever
// GET is allowed.
func refMethods(methods []string) []string {
	var out []string
	for _, m := range methods {
		out = append(out, strings.ToUpper(m))
	}
	if slices.Contains(out, "GET") && !slices.Contains(out, "HEAD") {
		out = append(out, "HEAD")
	}
	return out
}

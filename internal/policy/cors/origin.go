package cors

import "strings"

// origins decides whether an Origin is allowed. It holds no HTTP, so the
// matching is easy to test and to fuzz.
type origins struct {
	any      bool
	exact    map[string]bool // lower case
	patterns []pattern
}

// pattern is "scheme://*.suffix[:port]": the star stands for one or more
// DNS labels, never for nothing (the bare domain must be listed itself).
type pattern struct{ prefix, suffix string }

func compileOrigins(list []string) origins {
	o := origins{exact: map[string]bool{}}
	for _, s := range list {
		s = strings.ToLower(s)
		switch {
		case s == "*":
			o.any = true
		case strings.Contains(s, "://*."):
			i := strings.Index(s, "://*.")
			o.patterns = append(o.patterns, pattern{prefix: s[:i+3], suffix: s[i+4:]})
		default:
			o.exact[s] = true
		}
	}
	return o
}

// allowed reports whether origin may read responses. A case-insensitive
// compare, as scheme and host are; "null" matches only when listed.
func (o *origins) allowed(origin string) bool {
	if o.any {
		return true
	}
	if o.exact[origin] {
		return true
	}
	lower := origin
	if hasUpper(origin) {
		lower = strings.ToLower(origin)
		if o.exact[lower] {
			return true
		}
	}
	for _, p := range o.patterns {
		if p.match(lower) {
			return true
		}
	}
	return false
}

func (p pattern) match(origin string) bool {
	if len(origin) <= len(p.prefix)+len(p.suffix) || !strings.HasPrefix(origin, p.prefix) || !strings.HasSuffix(origin, p.suffix) {
		return false
	}
	labels := origin[len(p.prefix) : len(origin)-len(p.suffix)]
	return validLabels(labels)
}

// validLabels accepts "a" or "a.b": letters, digits and hyphens between
// dots, so "https://evil.com/.example.com" or a port cannot pass.
func validLabels(s string) bool {
	prevDot := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if prevDot {
				return false
			}
			prevDot = true
			continue
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-':
		default:
			return false
		}
		prevDot = false
	}
	return !prevDot
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

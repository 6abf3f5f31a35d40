package compress

import "strings"

// typeMatcher says which media types are compressed, from the patterns
// compiled once.
type typeMatcher struct {
	exact    map[string]bool
	prefixes []string // "text/"
	suffixes []string // "+json"
}

func newTypeMatcher(patterns []string) *typeMatcher {
	m := &typeMatcher{exact: map[string]bool{}}
	for _, p := range patterns {
		switch {
		case strings.HasPrefix(p, "+"):
			m.suffixes = append(m.suffixes, p)
		case strings.HasSuffix(p, "/*"):
			m.prefixes = append(m.prefixes, p[:len(p)-1])
		default:
			m.exact[p] = true
		}
	}
	return m
}

// match reads the media type of a Content-Type value (before any
// parameter, in any case) without allocating unless it is not lower case.
func (m *typeMatcher) match(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.TrimSpace(mt)
	if mt == "" {
		return false
	}
	for i := 0; i < len(mt); i++ {
		if c := mt[i]; 'A' <= c && c <= 'Z' {
			mt = strings.ToLower(mt)
			break
		}
	}
	if m.exact[mt] {
		return true
	}
	for _, p := range m.prefixes {
		if strings.HasPrefix(mt, p) {
			return true
		}
	}
	for _, s := range m.suffixes {
		if strings.HasSuffix(mt, s) {
			return true
		}
	}
	return false
}

package config

import (
	"fmt"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// RequestHeaderProblem is why a config field cannot name a header read
// from client requests, or "" when it can. A name with an underscore is
// refused: the gateway drops such headers on intake, as nginx does (see
// docs/proxying.md), so a setting that reads one would never see a value.
func RequestHeaderProblem(name string) string {
	switch {
	case !httpguts.ValidHeaderFieldName(name):
		return fmt.Sprintf("invalid header name %q", name)
	case strings.IndexByte(name, '_') >= 0:
		return fmt.Sprintf("header name %q has an underscore; the gateway drops such request headers, so it would never be seen (use %q)",
			name, strings.ReplaceAll(name, "_", "-"))
	}
	return ""
}

// validHost reports whether s is a DNS-style host name: dot-separated
// labels of letters, digits, "-" and "_" (seen in internal names), none
// empty or over 63 bytes, none starting or ending with "-".
func validHost(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// validHostPattern accepts a host name or "*." followed by one (what the
// wildcard matches is the router's business; see docs/routing.md).
func validHostPattern(s string) bool {
	return validHost(strings.TrimPrefix(s, "*."))
}

package router

import (
	"errors"
	"strings"
)

// requestHost reduces a request's Host to the form host patterns are kept
// in (see ParseHost). An invalid Host is kept as sent: it equals no
// pattern, and the gateway refuses it before routing anyway.
func requestHost(h string) string {
	if n, ok := ParseHost(h); ok {
		return n
	}
	return h
}

// specHosts validates a spec's host patterns and returns them canonical
// and de-duplicated, so a route is never filed twice in one group.
func specHosts(hosts []string) ([]string, error) {
	var out []string
	for _, h := range hosts {
		c := strings.TrimSuffix(strings.ToLower(h), ".")
		if strings.HasPrefix(c, "[") && strings.HasSuffix(c, "]") {
			c = c[1 : len(c)-1]
		}
		switch {
		case c == "":
			return nil, errors.New("empty host")
		case strings.Count(c, ":") == 1 || strings.HasPrefix(c, "["):
			return nil, errors.New("host " + h + ": must not include a port")
		case strings.ContainsAny(c, "/ \t"):
			return nil, errors.New("host " + h + ": not a host name")
		case strings.Contains(c, "*") && (!strings.HasPrefix(c, "*.") || len(c) == 2 || strings.Contains(c[1:], "*")):
			return nil, errors.New("host " + h + `: a wildcard must have the form "*.example.com"`)
		}
		dup := false
		for _, o := range out {
			dup = dup || o == c
		}
		if !dup {
			out = append(out, c)
		}
	}
	return out, nil
}

package router

import (
	"net/netip"
	"strings"
)

// ParseHost checks a request's Host (or :authority) and returns the host
// routes are matched on: lower case, without the port, without IPv6
// brackets and without one trailing dot. ok is false for anything that
// is not host[:port] with host a DNS-style name, an IPv4 address or a
// bracketed IPv6 address. Such a Host ("a.example:80:80",
// "a.example..", "a.example,b", ";x") would miss every host-bound route
// and land on a catch-all, so the gateway refuses it instead. An empty
// Host (HTTP/1.0) is valid and matches only routes without hosts.
//
// It allocates only when the host has upper-case letters.
func ParseHost(authority string) (host string, ok bool) {
	if authority == "" {
		return "", true
	}
	h := authority
	if strings.HasPrefix(h, "[") {
		end := strings.IndexByte(h, ']')
		if end < 0 || !validPort(h[end+1:]) {
			return "", false
		}
		a, err := netip.ParseAddr(h[1:end])
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", false
		}
		h = h[1:end]
	} else {
		if i := strings.IndexByte(h, ':'); i >= 0 {
			if !validPort(h[i:]) {
				return "", false
			}
			h = h[:i]
		}
		h = strings.TrimSuffix(h, ".")
		if !validHostName(h) {
			return "", false
		}
	}
	for i := 0; i < len(h); i++ {
		if 'A' <= h[i] && h[i] <= 'Z' {
			return strings.ToLower(h), true
		}
	}
	return h, true
}

// validPort accepts "", or ":" followed by at most five digits (RFC 3986
// allows an empty port; a number past 65535 names no port at all).
func validPort(s string) bool {
	if s == "" {
		return true
	}
	if s[0] != ':' || len(s) > 6 {
		return false
	}
	n := 0
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n <= 65535
}

// validHostName accepts dot-separated non-empty labels of
// letters, digits, "-" and "_" (seen in internal names). IPv4 addresses
// are such names too.
func validHostName(h string) bool {
	label := 0
	for i := 0; i < len(h); i++ {
		switch c := h[i]; {
		case c == '.':
			if label == 0 {
				return false
			}
			label = 0
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
			label++
		default:
			return false
		}
	}
	return label > 0
}

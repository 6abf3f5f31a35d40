package cache

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Directives are the Cache-Control directives the cache acts on.
type Directives struct {
	NoStore, NoCache, Private, Public, MustRevalidate, NoTransform bool
	// MaxAge and SMaxAge are -1 when absent.
	MaxAge, SMaxAge                    time.Duration
	StaleWhileRevalidate, StaleIfError time.Duration
}

// ParseDirectives reads Cache-Control values. Unknown directives are
// ignored; a malformed delta-seconds makes its directive absent, except
// that a malformed max-age counts as 0 (stale), as RFC 9111, 1.2.2 asks.
func ParseDirectives(vs []string) Directives {
	d := Directives{MaxAge: -1, SMaxAge: -1}
	for _, v := range vs {
		for item := range strings.SplitSeq(v, ",") {
			name, arg, _ := strings.Cut(strings.TrimSpace(item), "=")
			arg = strings.Trim(strings.TrimSpace(arg), `"`)
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "no-store":
				d.NoStore = true
			case "no-cache":
				d.NoCache = true // with a field list: treated as the whole response
			case "private":
				d.Private = true
			case "public":
				d.Public = true
			case "must-revalidate", "proxy-revalidate":
				d.MustRevalidate = true
			case "no-transform":
				d.NoTransform = true
			case "max-age":
				if s, ok := seconds(arg); ok {
					d.MaxAge = s
				} else {
					d.MaxAge = 0
				}
			case "s-maxage":
				if s, ok := seconds(arg); ok {
					d.SMaxAge = s
				}
			case "stale-while-revalidate":
				if s, ok := seconds(arg); ok {
					d.StaleWhileRevalidate = s
				}
			case "stale-if-error":
				if s, ok := seconds(arg); ok {
					d.StaleIfError = s
				}
			}
		}
	}
	return d
}

// maxDelta caps delta-seconds, as RFC 9111, 1.2.2 allows (2^31).
const maxDelta = 1 << 31

func seconds(s string) (time.Duration, bool) {
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n > maxDelta {
		n = maxDelta
	}
	return time.Duration(n) * time.Second, true
}

// Lifetime is a response's freshness lifetime as a shared cache reads it
// (RFC 9111, 4.2.1): s-maxage, else max-age, else Expires minus Date. ok
// is false when the response gives none.
func Lifetime(h http.Header, d Directives, now time.Time) (time.Duration, bool) {
	switch {
	case d.SMaxAge >= 0:
		return d.SMaxAge, true
	case d.MaxAge >= 0:
		return d.MaxAge, true
	}
	exp := h["Expires"]
	if len(exp) == 0 {
		return 0, false
	}
	expires, err := http.ParseTime(exp[0])
	if err != nil {
		return 0, true // an invalid Expires means already expired
	}
	date := now
	if ds := h["Date"]; len(ds) > 0 {
		if t, err := http.ParseTime(ds[0]); err == nil {
			date = t
		}
	}
	return max(0, expires.Sub(date)), true
}

// InitialAge is the age a response has on arrival (RFC 9111, 4.2.3):
// the larger of its Age header and the gap between its Date and now.
func InitialAge(h http.Header, now time.Time) time.Duration {
	var age time.Duration
	if vs := h["Age"]; len(vs) > 0 {
		if s, ok := seconds(strings.TrimSpace(vs[0])); ok {
			age = s
		}
	}
	if ds := h["Date"]; len(ds) > 0 {
		if t, err := http.ParseTime(ds[0]); err == nil && now.After(t) {
			age = max(age, now.Sub(t))
		}
	}
	return age
}

// CacheableStatus is a final status a shared cache may store (with
// explicit freshness or a configured TTL): those RFC 9110, 15.1 makes
// heuristically cacheable.
func CacheableStatus(code int) bool {
	switch code {
	case 200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501:
		return true
	}
	return false
}

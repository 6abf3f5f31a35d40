package jwt

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"time"

	gjwt "github.com/golang-jwt/jwt/v5"

	"github.com/gatehouse/gatehouse/internal/authn"
)

// checks are the claim rules, compiled from the Spec.
type checks struct {
	leeway      time.Duration
	maxLifetime time.Duration
	requireExp  bool
	issuers     []string
	audiences   []string
	required    [][]string // claim paths
	values      []claimValue
}

type claimValue struct {
	path []string
	name string
	want string
}

func (c *checks) apply(claims gjwt.MapClaims, now time.Time) *failure {
	exp, hasExp, ok := numericDate(claims, "exp")
	if !ok {
		return fail("malformed exp claim")
	}
	nbf, hasNbf, ok := numericDate(claims, "nbf")
	if !ok {
		return fail("malformed nbf claim")
	}
	iat, hasIat, ok := numericDate(claims, "iat")
	if !ok {
		return fail("malformed iat claim")
	}
	switch {
	case !hasExp && (c.requireExp || c.maxLifetime > 0):
		return fail("token has no exp claim")
	case hasExp && !now.Before(exp.Add(c.leeway)):
		return fail("token expired")
	case hasNbf && now.Add(c.leeway).Before(nbf):
		return fail("token not yet valid")
	case hasIat && now.Add(c.leeway).Before(iat):
		return fail("token issued in the future")
	}
	if c.maxLifetime > 0 {
		start := now
		if hasIat {
			start = iat
		}
		if exp.Sub(start) > c.maxLifetime {
			return fail("token lifetime too long")
		}
	}
	if len(c.issuers) > 0 {
		iss, _ := claims["iss"].(string)
		if !slices.Contains(c.issuers, iss) {
			return fail("issuer not allowed")
		}
	}
	if len(c.audiences) > 0 && !audienceOK(claims["aud"], c.audiences) {
		return fail("audience not allowed")
	}
	for _, p := range c.required {
		if _, ok := authn.Lookup(claims, p); !ok {
			return fail("missing claim " + strings.Join(p, "."))
		}
	}
	for _, cv := range c.values {
		v, ok := authn.Lookup(claims, cv.path)
		if !ok || !valueMatches(v, cv.want) {
			return fail("claim " + cv.name + " does not match")
		}
	}
	return nil
}

// numericDate reads a NumericDate claim: present, and well-formed.
func numericDate(claims gjwt.MapClaims, name string) (t time.Time, present, ok bool) {
	raw, found := claims[name]
	if !found {
		return time.Time{}, false, true
	}
	n, isNum := raw.(json.Number)
	if !isNum {
		return time.Time{}, true, false
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e11 {
		return time.Time{}, true, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true, true
}

func audienceOK(aud any, allowed []string) bool {
	switch a := aud.(type) {
	case string:
		return slices.Contains(allowed, a)
	case []any:
		for _, x := range a {
			if s, ok := x.(string); ok && slices.Contains(allowed, s) {
				return true
			}
		}
	}
	return false
}

func valueMatches(v any, want string) bool {
	if list, ok := v.([]any); ok {
		for _, x := range list {
			if authn.ScalarString(x) == want {
				return true
			}
		}
		return false
	}
	return authn.ScalarString(v) == want
}

package jwt

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"time"

	gjwt "github.com/golang-jwt/jwt/v5"

	"github.com/gatehouse/gatehouse/internal/authn"
)

// failure is why a token was refused; Desc goes to the client in
// error_description, so it names the problem and never the token.
type failure struct {
	Desc string
	// Unavailable says the keys could not be had (key server down and
	// nothing cached): 503, not the token's fault.
	Unavailable bool
	cause       error
}

func (f *failure) Error() string {
	if f.cause != nil {
		return f.Desc + ": " + f.cause.Error()
	}
	return f.Desc
}

func fail(desc string) *failure { return &failure{Desc: desc} }

var (
	errUnknownKID  = errors.New("unknown key id")
	errAlgNotAllow = errors.New("algorithm not allowed for this key")
	errNoKeys      = errors.New("no keys available")
)

// keySource finds the keys for a token: static keys or a JWKS.
type keySource interface {
	keysFor(kid, alg string) ([]*key, error)
}

// staticKeys are keys from config (a secret or a PEM file).
type staticKeys struct{ keys []*key }

func (s *staticKeys) keysFor(kid, alg string) ([]*key, error) {
	var out []*key
	for _, k := range s.keys {
		if k.allows(alg) {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return nil, errAlgNotAllow
	}
	return out, nil
}

func (ks *keySet) keysFor(kid, alg string) ([]*key, error) {
	if kid != "" {
		k, ok := ks.lookup(kid)
		if !ok {
			if !ks.loaded() {
				return nil, errNoKeys
			}
			return nil, errUnknownKID
		}
		if !k.allows(alg) {
			return nil, errAlgNotAllow
		}
		return []*key{k}, nil
	}
	var out []*key
	for _, k := range ks.keys.Load().all {
		if k.allows(alg) {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		if !ks.loaded() {
			return nil, errNoKeys
		}
		return nil, errAlgNotAllow
	}
	return out, nil
}

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

// verifier checks a token's signature and claims. It does no HTTP itself;
// a JWKS keySource may fetch.
type verifier struct {
	parser *gjwt.Parser
	keys   keySource
	checks checks
}

func newVerifier(keys keySource, algs []string, c checks) *verifier {
	return &verifier{
		// Claims are checked below, with precise descriptions; the parser
		// only verifies structure, algorithm and signature.
		parser: gjwt.NewParser(gjwt.WithValidMethods(algs), gjwt.WithoutClaimsValidation(), gjwt.WithJSONNumber()),
		keys:   keys,
		checks: c,
	}
}

// verify returns the token's claims, or why it was refused.
func (v *verifier) verify(token string, now time.Time) (gjwt.MapClaims, *failure) {
	if len(token) > MaxTokenBytes {
		return nil, fail("token too large")
	}
	if strings.Count(token, ".") != 2 {
		return nil, fail("malformed token")
	}
	claims := gjwt.MapClaims{}
	var keyErr error
	_, err := v.parser.ParseWithClaims(token, claims, func(t *gjwt.Token) (any, error) {
		// kid is only a lookup key; jwk, jku, x5u and x5c are ignored.
		kid, _ := t.Header["kid"].(string)
		keys, err := v.keys.keysFor(kid, t.Method.Alg())
		if err != nil {
			keyErr = err
			return nil, err
		}
		if len(keys) == 1 {
			return keys[0].pub, nil
		}
		set := gjwt.VerificationKeySet{}
		for _, k := range keys {
			set.Keys = append(set.Keys, k.pub)
		}
		return set, nil
	})
	if err != nil {
		return nil, describe(err, keyErr)
	}
	if f := v.checks.apply(claims, now); f != nil {
		return nil, f
	}
	return claims, nil
}

func describe(err, keyErr error) *failure {
	switch {
	case errors.Is(keyErr, errNoKeys):
		return &failure{Desc: "signing keys unavailable", Unavailable: true, cause: keyErr}
	case keyErr != nil:
		return &failure{Desc: keyErr.Error(), cause: err}
	case errors.Is(err, gjwt.ErrTokenMalformed):
		return &failure{Desc: "malformed token", cause: err}
	case errors.Is(err, gjwt.ErrTokenSignatureInvalid):
		// Also where a disallowed alg (none, HS with a public key) lands.
		return &failure{Desc: "invalid signature or algorithm", cause: err}
	}
	return &failure{Desc: "invalid token", cause: err}
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

func splitPath(p string) []string { return authn.ClaimPath(p) }

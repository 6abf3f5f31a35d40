package jwt

import (
	"errors"
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
	// errCritical: RFC 7515, 4.1.11 says a token whose crit names an
	// extension the recipient does not understand must be refused. The
	// gateway understands none (nor b64, RFC 7797), so any crit is refused,
	// a malformed one included.
	errCritical = errors.New("unsupported critical header")
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
		parser: gjwt.NewParser(gjwt.WithValidMethods(algs), gjwt.WithoutClaimsValidation(), gjwt.WithJSONNumber(), gjwt.WithStrictDecoding()),
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
		if _, ok := t.Header["crit"]; ok {
			keyErr = errCritical
			return nil, errCritical
		}
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

func splitPath(p string) []string { return authn.ClaimPath(p) }

// Package jwt is the jwt policy: it authenticates requests by a JSON Web
// Token verified against a shared secret, a PEM public key, a JWKS URL or
// an OpenID Connect issuer's discovery document, checks its claims, maps it
// to a consumer and forwards chosen claims to the upstream as headers.
package jwt

import (
	"golang.org/x/net/http/httpguts"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/authn"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

func init() {
	pipeline.Register("jwt", pipeline.PhaseAuthenticate, func() pipeline.Spec { return &Spec{} })
}

// Defaults of the settings.
const (
	DefaultRealm        = "gatehouse"
	DefaultCacheSize    = 10000
	DefaultJWKSRefresh  = config.Duration(10 * time.Minute)
	DefaultJWKSCooldown = config.Duration(30 * time.Second)
	DefaultJWKSTimeout  = config.Duration(5 * time.Second)
	// MaxTokenBytes bounds a token: larger ones are refused unparsed.
	MaxTokenBytes  = 8192
	minSecretBytes = 32
)

// Spec is the settings of the jwt policy. Exactly one key source is given:
// secret, public_key, public_key_file, jwks_url or oidc_issuer.
type Spec struct {
	// Secret is the shared secret of HS256/384/512 tokens, at least 32
	// bytes; write it as ${ENV}.
	Secret string `yaml:"secret"`
	// PublicKey is a PEM public key (or certificate) written inline, as
	// for public_key_file.
	PublicKey string `yaml:"public_key"`
	// PublicKeyFile is a PEM file holding an RSA, ECDSA (P-256, P-384) or
	// Ed25519 public key (or a certificate carrying one).
	PublicKeyFile string `yaml:"public_key_file"`
	// JWKSURL is a JSON Web Key Set URL. It is fetched at start, every
	// jwks_refresh, and on a token with an unknown kid (at most once per
	// jwks_cooldown); when it cannot be fetched the cached keys are used.
	JWKSURL string `yaml:"jwks_url"`
	// OIDCIssuer is an OpenID Connect issuer URL: the JWKS URL is read from
	// its /.well-known/openid-configuration, and when issuers is empty the
	// token's iss must equal it.
	OIDCIssuer string `yaml:"oidc_issuer"`
	// Algorithms accepted. Every key is pinned to the algorithms of its
	// type (and to the JWK's own alg): an HS token is never checked with
	// an RSA key, and "none" is never accepted. Default: HS256 for a
	// secret; RS256, ES256, ES384 or EdDSA by the key's type otherwise.
	Algorithms []string `yaml:"algorithms"`
	// Issuers the token's iss must be one of. Empty: any.
	Issuers []string `yaml:"issuers"`
	// Audiences of which the token's aud must name at least one. Empty: any.
	Audiences []string `yaml:"audiences"`
	// Leeway tolerates clock skew when checking exp, nbf and iat. Default 0.
	Leeway config.Duration `yaml:"leeway"`
	// MaxLifetime caps exp minus iat (or exp minus now without iat).
	// Default 0: no cap.
	MaxLifetime config.Duration `yaml:"max_lifetime"`
	// RequireExp refuses tokens without exp. Default true.
	RequireExp *bool `yaml:"require_exp"`
	// RequiredClaims must be present (dotted paths like realm_access.roles).
	RequiredClaims []string `yaml:"required_claims"`
	// ClaimValues must match exactly: {claim path: value}. For a list claim
	// the value must be one of its elements.
	ClaimValues map[string]string `yaml:"claim_values"`
	// Header the token is read from. Default "Authorization", which takes
	// the "Bearer" scheme; any other header holds the bare token.
	Header string `yaml:"header"`
	// Query parameter the token may be read from when the header is absent.
	Query string `yaml:"query"`
	// Cookie the token may be read from when header and query are absent.
	Cookie string `yaml:"cookie"`
	// ForwardClaims sends claims to the upstream as headers:
	// {claim path: header name}, e.g. {sub: X-User-ID, roles: X-User-Roles}.
	// Lists are joined with ","; a client-sent header of that name is
	// always removed first.
	ForwardClaims map[string]string `yaml:"forward_claims"`
	// HideCredentials removes the token from the request before proxying.
	HideCredentials bool `yaml:"hide_credentials"`
	// CacheSize bounds the cache of verified tokens (each kept until its
	// exp). Default 10000; -1 disables it.
	CacheSize int `yaml:"cache_size"`
	// JWKSRefresh is how often the JWKS is refetched. Default 10m.
	JWKSRefresh config.Duration `yaml:"jwks_refresh"`
	// JWKSCooldown is the least time between two fetches caused by unknown
	// kids. Default 30s.
	JWKSCooldown config.Duration `yaml:"jwks_cooldown"`
	// JWKSTimeout bounds one JWKS or discovery fetch. Default 5s.
	JWKSTimeout config.Duration `yaml:"jwks_timeout"`
	// Anonymous lets requests without any credential through (other
	// methods on the route may still authenticate them). A present but
	// invalid token is still refused.
	Anonymous bool `yaml:"anonymous"`
	// Realm is named in WWW-Authenticate. Default "gatehouse".
	Realm string `yaml:"realm"`
}

var hmacAlgs = []string{"HS256", "HS384", "HS512"}

// publicAlgs are the asymmetric algorithms supported.
var publicAlgs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"}

// AllowsAnonymous implements authn.Method.
func (s *Spec) AllowsAnonymous() bool { return s.Anonymous }

// Challenge implements authn.Method.
func (s *Spec) Challenge() string { return authn.Challenge("Bearer", s.realm()) }

func (s *Spec) realm() string {
	if s.Realm == "" {
		return DefaultRealm
	}
	return s.Realm
}

// Validate checks the settings without I/O.
func (s *Spec) Validate(at config.Path) []config.FieldError {
	var errs []config.FieldError
	add := func(p config.Path, f string, args ...any) { errs = append(errs, config.Errorf(p, f, args...)) }
	var sources []string
	for _, src := range []struct{ name, v string }{{"secret", s.Secret}, {"public_key", s.PublicKey}, {"public_key_file", s.PublicKeyFile}, {"jwks_url", s.JWKSURL}, {"oidc_issuer", s.OIDCIssuer}} {
		if src.v != "" {
			sources = append(sources, src.name)
		}
	}
	switch {
	case len(sources) == 0:
		add(at, "needs a key source: one of secret, public_key, public_key_file, jwks_url, oidc_issuer")
	case len(sources) > 1:
		add(at.Field(sources[1]), "only one key source may be given, %s is already set", sources[0])
	}
	if s.Secret != "" && len(s.Secret) < minSecretBytes {
		add(at.Field("secret"), "must be at least %d bytes", minSecretBytes)
	}
	for _, f := range []struct{ name, v string }{{"jwks_url", s.JWKSURL}, {"oidc_issuer", s.OIDCIssuer}} {
		if f.v == "" {
			continue
		}
		if u, err := url.Parse(f.v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add(at.Field(f.name), "must be an http or https URL")
		}
	}
	for i, a := range s.Algorithms {
		p := at.Field("algorithms").Index(i)
		switch {
		case slices.Contains(hmacAlgs, a):
			if s.Secret == "" && len(sources) > 0 {
				add(p, "%s needs a secret; public keys take %s", a, strings.Join(publicAlgs, ", "))
			}
		case slices.Contains(publicAlgs, a):
			if s.Secret != "" {
				add(p, "%s needs a public key; a secret takes %s", a, strings.Join(hmacAlgs, ", "))
			}
		default:
			add(p, "unsupported algorithm %q%s", a, config.Suggest(a, append(slices.Clone(hmacAlgs), publicAlgs...)))
		}
	}
	for i, c := range s.RequiredClaims {
		if c == "" {
			add(at.Field("required_claims").Index(i), "must not be empty")
		}
	}
	for _, k := range sortedKeys(s.ForwardClaims) {
		if !httpguts.ValidHeaderFieldName(s.ForwardClaims[k]) {
			add(at.Field("forward_claims").Field(k), "invalid header name %q", s.ForwardClaims[k])
		}
	}
	if s.Header != "" && config.RequestHeaderProblem(s.Header) != "" {
		add(at.Field("header"), "%s", config.RequestHeaderProblem(s.Header))
	}
	if s.CacheSize < -1 {
		add(at.Field("cache_size"), "must be -1 (off), 0 (default) or positive")
	}
	for _, d := range []struct {
		name string
		v    config.Duration
	}{{"leeway", s.Leeway}, {"max_lifetime", s.MaxLifetime}, {"jwks_refresh", s.JWKSRefresh}, {"jwks_cooldown", s.JWKSCooldown}, {"jwks_timeout", s.JWKSTimeout}} {
		if d.v < 0 {
			add(at.Field(d.name), "must not be negative")
		}
	}
	return errs
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

package jwt

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
	"github.com/gatehouse/gatehouse/internal/statepool"
)

// keys returns the accepted algorithms and where keys come from.
func (s *Spec) keys(bc pipeline.BuildContext) ([]string, keySource, error) {
	switch {
	case s.Secret != "":
		algs := s.Algorithms
		if len(algs) == 0 {
			algs = []string{"HS256"}
		}
		return algs, &staticKeys{keys: []*key{{pub: []byte(s.Secret), algs: algs}}}, nil
	case s.PublicKey != "" || s.PublicKeyFile != "":
		data, what := []byte(s.PublicKey), "public_key"
		if s.PublicKeyFile != "" {
			var err error
			if data, err = os.ReadFile(s.PublicKeyFile); err != nil {
				return nil, nil, fmt.Errorf("reading public_key_file: %w", err)
			}
			what = "public_key_file " + s.PublicKeyFile
		}
		pub, err := parsePublicKeyPEM(data)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", what, err)
		}
		algs := pinAlgs(pub, "", s.Algorithms)
		if len(algs) == 0 {
			return nil, nil, fmt.Errorf("%s: key type cannot verify %s", what, strings.Join(s.Algorithms, ", "))
		}
		return algs, &staticKeys{keys: []*key{{pub: pub, algs: algs}}}, nil
	}
	algs := s.Algorithms
	if len(algs) == 0 {
		algs = publicAlgs
	}
	o := keySetOptions{
		JWKSURL: s.JWKSURL, OIDCIssuer: s.OIDCIssuer, Algorithms: s.Algorithms,
		Refresh:  orDefault(s.JWKSRefresh, DefaultJWKSRefresh),
		Cooldown: orDefault(s.JWKSCooldown, DefaultJWKSCooldown),
		Timeout:  orDefault(s.JWKSTimeout, DefaultJWKSTimeout),
		Logger:   bc.Logger,
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	key := fmt.Sprintf("jwt|jwks|%s|%s|%v|%v|%v|%v", o.JWKSURL, o.OIDCIssuer, o.Algorithms, o.Refresh, o.Cooldown, o.Timeout)
	ks, err := statepool.Get(bc.State, key, func() (*keySet, error) { return newKeySet(o), nil })
	return algs, ks, err
}

func orDefault(d, def config.Duration) time.Duration {
	if d == 0 {
		return def.D()
	}
	return d.D()
}

func (s *Spec) checks() checks {
	c := checks{
		leeway:      s.Leeway.D(),
		maxLifetime: s.MaxLifetime.D(),
		requireExp:  s.RequireExp == nil || *s.RequireExp,
		issuers:     s.Issuers,
		audiences:   s.Audiences,
	}
	if len(c.issuers) == 0 && s.OIDCIssuer != "" {
		c.issuers = []string{s.OIDCIssuer}
	}
	for _, r := range s.RequiredClaims {
		c.required = append(c.required, splitPath(r))
	}
	for _, name := range sortedKeys(s.ClaimValues) {
		c.values = append(c.values, claimValue{path: splitPath(name), name: name, want: s.ClaimValues[name]})
	}
	return c
}

// hash names the settings the cached verdicts depend on.
func (s *Spec) hash() string {
	b, _ := json.Marshal(s)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

func consumersHash(bc pipeline.BuildContext) string {
	if bc.Config == nil {
		return ""
	}
	b, _ := json.Marshal(bc.Config.Consumers)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

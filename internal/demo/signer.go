package demo

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/MicahParks/jwkset"
	gjwt "github.com/golang-jwt/jwt/v5"
)

// Demo token settings, mirrored by examples/demo.yaml.
const (
	// TokenIssuerName is the iss of demo tokens; the gateway allows only it.
	TokenIssuerName = "gatehouse-demo"
	// TokenAudience is the aud of demo tokens.
	TokenAudience = "gatehouse-demo-api"
	tokenLifetime = time.Hour
)

// jwtSigner issues ES256 tokens with a key made at start, and publishes
// the public half as a JWKS for the gateway to verify them with.
type jwtSigner struct {
	key  *ecdsa.PrivateKey
	kid  string
	jwks []byte
}

func newJWTSigner() (*jwtSigner, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating signing key: %w", err)
	}
	s := &jwtSigner{key: key, kid: newID("demo-key-")}
	jwk, err := jwkset.NewJWKFromKey(&key.PublicKey, jwkset.JWKOptions{
		Metadata: jwkset.JWKMetadataOptions{ALG: jwkset.AlgES256, KID: s.kid, USE: jwkset.UseSig},
	})
	if err != nil {
		return nil, fmt.Errorf("building JWK: %w", err)
	}
	if s.jwks, err = json.MarshalIndent(jwkset.JWKSMarshal{Keys: []jwkset.JWKMarshal{jwk.Marshal()}}, "", "  "); err != nil {
		return nil, fmt.Errorf("encoding JWKS: %w", err)
	}
	return s, nil
}

// issue is a TokenIssuer: the user's name as sub, its roles as roles.
func (s *jwtSigner) issue(u User) (string, error) {
	now := time.Now()
	t := gjwt.NewWithClaims(gjwt.SigningMethodES256, gjwt.MapClaims{
		"iss":   TokenIssuerName,
		"aud":   TokenAudience,
		"sub":   u.Username,
		"name":  u.Name,
		"roles": u.Roles,
		"iat":   now.Unix(),
		"exp":   now.Add(tokenLifetime).Unix(),
	})
	t.Header["kid"] = s.kid
	return t.SignedString(s.key)
}

// serveJWKS publishes the verification key.
func (s *jwtSigner) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "max-age=300")
	_, _ = w.Write(s.jwks)
}

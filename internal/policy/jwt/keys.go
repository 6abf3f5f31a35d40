package jwt

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
)

// key is one verification key, pinned to the algorithms it may verify.
type key struct {
	kid  string
	pub  any // []byte for HMAC, else a crypto public key
	algs []string
}

func (k *key) allows(alg string) bool { return slices.Contains(k.algs, alg) }

// compatibleAlgs are the algorithms a public key of this type can verify.
func compatibleAlgs(pub any) []string {
	switch p := pub.(type) {
	case *rsa.PublicKey:
		return []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
	case *ecdsa.PublicKey:
		switch p.Curve {
		case elliptic.P256():
			return []string{"ES256"}
		case elliptic.P384():
			return []string{"ES384"}
		}
	case ed25519.PublicKey:
		return []string{"EdDSA"}
	}
	return nil
}

// defaultAlg is the algorithm a public key verifies when none is configured.
func defaultAlg(pub any) string {
	if _, ok := pub.(*rsa.PublicKey); ok {
		return "RS256"
	}
	if a := compatibleAlgs(pub); len(a) > 0 {
		return a[0]
	}
	return ""
}

// pinAlgs is what a key may verify: the algorithms of its type, narrowed
// to its own alg (a JWK's "alg") and to the configured ones.
func pinAlgs(pub any, own string, configured []string) []string {
	compat := compatibleAlgs(pub)
	var out []string
	for _, a := range compat {
		if own != "" && a != own {
			continue
		}
		if len(configured) > 0 && !slices.Contains(configured, a) {
			continue
		}
		if len(configured) == 0 && own == "" && a != defaultAlg(pub) {
			continue
		}
		out = append(out, a)
	}
	return out
}

// parsePublicKeyPEM reads a PEM public key or certificate.
func parsePublicKeyPEM(data []byte) (any, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	switch block.Type {
	case "CERTIFICATE":
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parsing certificate: %w", err)
		}
		return cert.PublicKey, nil
	case "RSA PUBLIC KEY":
		return x509.ParsePKCS1PublicKey(block.Bytes)
	case "PUBLIC KEY":
		return x509.ParsePKIXPublicKey(block.Bytes)
	}
	return nil, fmt.Errorf("PEM block is %q; want a PUBLIC KEY or CERTIFICATE", block.Type)
}

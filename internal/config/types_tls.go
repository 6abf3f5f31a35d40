package config

import "strings"

// ListenerTLS turns a listener into an HTTPS listener. Certificates come
// from PEM files, from ACME, or both; a client certificate can be asked
// for with ClientAuth.
type ListenerTLS struct {
	// Certificates are certificate chains and their keys, chosen by the
	// client's SNI: an exact name first, then a wildcard, then the first
	// one as the default. The files are re-read when they change.
	Certificates []Certificate `yaml:"certificates"`
	// MinVersion is the lowest TLS version accepted: "1.2" (default) or
	// "1.3".
	MinVersion string `yaml:"min_version"`
	// CipherSuites restricts the TLS 1.2 cipher suites, named as Go names
	// them (e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256). Default: Go's
	// secure list, AEAD with forward secrecy only. TLS 1.3 suites are not
	// configurable.
	CipherSuites []string `yaml:"cipher_suites"`
	// ClientAuth asks clients for a certificate (mutual TLS).
	ClientAuth *ClientAuth `yaml:"client_auth"`
	// ACME obtains and renews certificates automatically.
	ACME *ACME `yaml:"acme"`
}

// Certificate is one certificate chain and its private key.
type Certificate struct {
	// Cert is the PEM file with the leaf certificate first, then the
	// intermediates. Required.
	Cert string `yaml:"cert"`
	// Key is the PEM file with the private key. Required.
	Key string `yaml:"key"`
}

// ClientAuth is how a listener verifies client certificates.
type ClientAuth struct {
	// Mode is "require" (a handshake without a valid certificate fails) or
	// "verify_if_given" (no certificate is fine; a bad one fails).
	Mode string `yaml:"mode"`
	// CAFiles are PEM files of the CAs client certificates must chain to.
	// Required.
	CAFiles []string `yaml:"ca_files"`
}

// ACME obtains certificates from an ACME CA (Let's Encrypt by default).
type ACME struct {
	// Email is given to the CA for expiry notices. Optional.
	Email string `yaml:"email"`
	// Domains are the names certificates are obtained for. Required.
	Domains []string `yaml:"domains"`
	// CA is the ACME directory URL. Default: Let's Encrypt production.
	CA string `yaml:"ca"`
	// CARoot is a PEM file of roots trusted for the CA's own HTTPS, for a
	// private or test CA.
	CARoot string `yaml:"ca_root"`
	// Storage is the directory certificates, keys and the account are
	// kept in. Default: "acme" under the user's data directory.
	Storage string `yaml:"storage"`
	// Challenges are the challenge types offered: "http-01" (answered on
	// the plain listeners' /.well-known/acme-challenge/) and
	// "tls-alpn-01" (answered on this listener). Default: both.
	Challenges []string `yaml:"challenges"`
}

// TLS values.
const (
	TLSVersion12 = "1.2"
	TLSVersion13 = "1.3"

	ClientAuthRequire       = "require"
	ClientAuthVerifyIfGiven = "verify_if_given"

	ChallengeHTTP01    = "http-01"
	ChallengeTLSALPN01 = "tls-alpn-01"

	DefaultACMECA = "https://acme-v02.api.letsencrypt.org/directory"
)

// ClientCertIdentity maps a verified client certificate to a consumer by
// exactly one of its attributes. The mtls policy looks them up in the
// order of the fields: fingerprint first, the subject last.
type ClientCertIdentity struct {
	// SHA256 is the hex SHA-256 fingerprint of the certificate (DER), as
	// `openssl x509 -noout -fingerprint -sha256` prints it (colons and
	// case do not matter). Pins one certificate.
	SHA256 string `yaml:"sha256"`
	// URI is a URI SAN, e.g. a SPIFFE ID "spiffe://example.org/payments".
	URI string `yaml:"uri"`
	// DNS is a DNS SAN, e.g. "payments.internal".
	DNS string `yaml:"dns"`
	// Email is an email SAN.
	Email string `yaml:"email"`
	// Subject is the subject's distinguished name as RFC 2253 writes it,
	// e.g. "CN=payments,O=Example".
	Subject string `yaml:"subject"`
}

// Key is the identity's index key: its kind and normalised value.
func (id ClientCertIdentity) Key() (string, bool) {
	n := 0
	var key string
	for _, kv := range [][2]string{{"sha256", NormalizeFingerprint(id.SHA256)}, {"uri", id.URI}, {"dns", strings.ToLower(id.DNS)}, {"email", strings.ToLower(id.Email)}, {"subject", id.Subject}} {
		if kv[1] != "" {
			n++
			key = kv[0] + "\x00" + kv[1]
		}
	}
	return key, n == 1
}

// NormalizeFingerprint lower-cases a hex fingerprint and drops colons.
func NormalizeFingerprint(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, ":", ""))
}

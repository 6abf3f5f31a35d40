package config

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"time"
)

// listenerTLS checks a listener's tls block. Unlike the rest of
// validation it reads files: a missing, mismatched or expired certificate
// is a config mistake, and `gatehouse validate` must say so with its path
// before the gateway starts (as `nginx -t` does).
func (v *validator) listenerTLS(t *ListenerTLS, at Path) {
	if t == nil {
		return
	}
	if len(t.Certificates) == 0 && t.ACME == nil {
		v.errorf(at, "needs certificates or acme")
	}
	for i, c := range t.Certificates {
		ci := at.Field("certificates").Index(i)
		if c.Cert == "" {
			v.errorf(ci.Field("cert"), "required")
		}
		if c.Key == "" {
			v.errorf(ci.Field("key"), "required")
		}
		if c.Cert != "" && c.Key != "" {
			if p, msg := CheckKeyPair(c.Cert, c.Key, time.Now()); msg != "" {
				v.errorf(ci.Field(p), "%s", msg)
			}
		}
	}
	switch t.MinVersion {
	case "", TLSVersion12, TLSVersion13:
	default:
		opts := []string{TLSVersion12, TLSVersion13}
		v.errorf(at.Field("min_version"), "must be %q or %q, got %q%s", TLSVersion12, TLSVersion13, t.MinVersion, Suggest(t.MinVersion, opts))
	}
	for i, name := range t.CipherSuites {
		if msg := cipherSuiteProblem(name); msg != "" {
			v.errorf(at.Field("cipher_suites").Index(i), "%s", msg)
		}
	}
	if t.MinVersion == TLSVersion13 && len(t.CipherSuites) > 0 {
		v.errorf(at.Field("cipher_suites"), `apply to TLS 1.2 only, and min_version is "1.3"`)
	}
	v.clientAuth(t.ClientAuth, at.Field("client_auth"))
	v.acme(t.ACME, at.Field("acme"))
}

func (v *validator) clientAuth(ca *ClientAuth, at Path) {
	if ca == nil {
		return
	}
	switch ca.Mode {
	case ClientAuthRequire, ClientAuthVerifyIfGiven:
	case "":
		v.errorf(at.Field("mode"), "required: %q or %q", ClientAuthRequire, ClientAuthVerifyIfGiven)
	default:
		opts := []string{ClientAuthRequire, ClientAuthVerifyIfGiven}
		v.errorf(at.Field("mode"), "must be %q or %q, got %q%s", ClientAuthRequire, ClientAuthVerifyIfGiven, ca.Mode, Suggest(ca.Mode, opts))
	}
	if len(ca.CAFiles) == 0 {
		v.errorf(at.Field("ca_files"), "at least one CA file is required to verify client certificates")
	}
	for i, f := range ca.CAFiles {
		if _, msg := LoadCertificates(f); msg != "" {
			v.errorf(at.Field("ca_files").Index(i), "%s", msg)
		}
	}
}

func (v *validator) acme(a *ACME, at Path) {
	if a == nil {
		return
	}
	if len(a.Domains) == 0 {
		v.errorf(at.Field("domains"), "at least one domain is required")
	}
	for i, d := range a.Domains {
		if strings.HasPrefix(d, "*.") {
			v.errorf(at.Field("domains").Index(i), "wildcard %q needs the DNS-01 challenge, which gatehouse does not offer; list the names", d)
		} else if !validHost(d) {
			v.errorf(at.Field("domains").Index(i), "invalid domain %q", d)
		}
	}
	if a.Email != "" && !strings.Contains(a.Email, "@") {
		v.errorf(at.Field("email"), "invalid email %q", a.Email)
	}
	if a.CA != "" {
		if u, err := url.Parse(a.CA); err != nil || u.Scheme != "https" || u.Host == "" {
			v.errorf(at.Field("ca"), "must be an https URL of an ACME directory, got %q", a.CA)
		}
	}
	if a.CARoot != "" {
		if _, msg := LoadCertificates(a.CARoot); msg != "" {
			v.errorf(at.Field("ca_root"), "%s", msg)
		}
	}
	seen := map[string]bool{}
	for i, c := range a.Challenges {
		switch c {
		case ChallengeHTTP01, ChallengeTLSALPN01:
		default:
			opts := []string{ChallengeHTTP01, ChallengeTLSALPN01}
			v.errorf(at.Field("challenges").Index(i), "must be %q or %q, got %q%s", ChallengeHTTP01, ChallengeTLSALPN01, c, Suggest(c, opts))
		}
		if seen[c] {
			v.errorf(at.Field("challenges").Index(i), "duplicate challenge %q", c)
		}
		seen[c] = true
	}
	if len(a.Challenges) > 0 && !seen[ChallengeTLSALPN01] && seen[ChallengeHTTP01] && !v.hasPlainListener() {
		v.errorf(at.Field("challenges"), "http-01 is answered on a listener without tls, and there is none")
	}
}

func (v *validator) hasPlainListener() bool {
	for _, l := range v.c.Listeners {
		if l.TLS == nil {
			return true
		}
	}
	return false
}

// cipherSuiteProblem checks a TLS 1.2 cipher suite name against Go's
// lists; insecure suites are refused outright.
func cipherSuiteProblem(name string) string {
	var names []string
	for _, s := range tls.CipherSuites() {
		if s.Name == name {
			for _, ver := range s.SupportedVersions {
				if ver == tls.VersionTLS12 {
					return ""
				}
			}
			return "is a TLS 1.3 suite; TLS 1.3 suites are not configurable"
		}
		names = append(names, s.Name)
	}
	for _, s := range tls.InsecureCipherSuites() {
		if s.Name == name {
			return "is insecure and not accepted"
		}
	}
	return "unknown cipher suite " + quote(name) + Suggest(name, names)
}

func quote(s string) string { return `"` + s + `"` }

// CheckKeyPair reads a certificate chain and its key and says what is
// wrong with them, if anything: which field ("cert" or "key") and why.
// It is what validate reports and what a reload refuses.
func CheckKeyPair(certFile, keyFile string, now time.Time) (field, msg string) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return "cert", fileProblem(err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return "key", fileProblem(err)
	}
	certs, msg := parseCerts(certPEM)
	if msg != "" {
		return "cert", msg
	}
	if b, _ := pem.Decode(keyPEM); b == nil || !strings.HasSuffix(b.Type, "PRIVATE KEY") {
		return "key", "no PEM private key found in " + quote(keyFile)
	}
	if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
		if strings.Contains(err.Error(), "does not match") {
			return "key", "private key does not match the certificate in " + quote(certFile)
		}
		return "key", "unusable private key: " + err.Error()
	}
	leaf := certs[0]
	if now.After(leaf.NotAfter) {
		return "cert", "certificate for " + certName(leaf) + " expired on " + leaf.NotAfter.UTC().Format(time.RFC3339)
	}
	if now.Before(leaf.NotBefore) {
		return "cert", "certificate for " + certName(leaf) + " is not valid before " + leaf.NotBefore.UTC().Format(time.RFC3339)
	}
	return "", ""
}

// LoadCertificates reads a PEM file of (CA) certificates; the message
// says what is wrong, if anything.
func LoadCertificates(file string) ([]*x509.Certificate, string) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fileProblem(err)
	}
	return parseCerts(data)
}

func parseCerts(data []byte) ([]*x509.Certificate, string) {
	var certs []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, "unparsable certificate: " + err.Error()
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, "no PEM certificate found"
	}
	return certs, ""
}

func certName(c *x509.Certificate) string {
	if len(c.DNSNames) > 0 {
		return quote(c.DNSNames[0])
	}
	return quote(c.Subject.CommonName)
}

func fileProblem(err error) string {
	var pe *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if errors.As(err, &pe) {
			return "file " + quote(pe.Path) + " does not exist"
		}
	case errors.As(err, &pe):
		return "cannot read " + quote(pe.Path) + ": " + pe.Err.Error()
	}
	return err.Error()
}

func (v *validator) clientCert(id ClientCertIdentity, at Path, seen map[string]Path) {
	key, ok := id.Key()
	if !ok {
		v.errorf(at, "needs exactly one of sha256, uri, dns, email or subject")
		return
	}
	if id.SHA256 != "" {
		if b, err := hex.DecodeString(NormalizeFingerprint(id.SHA256)); err != nil || len(b) != 32 {
			v.errorf(at.Field("sha256"), "must be a SHA-256 fingerprint: 64 hex digits, colons allowed")
			return
		}
	}
	v.unique(seen, key, at, "client certificate identity")
}

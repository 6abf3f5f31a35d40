package consumer

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"strings"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

func (ix *Index) indexCerts(c *pipeline.Consumer, ids []config.ClientCertIdentity) {
	for _, id := range ids {
		if key, ok := id.Key(); ok {
			ix.byCert[key] = c
		}
	}
}

// Fingerprint is the lower-case hex SHA-256 of a certificate's DER.
func Fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}

// ByClientCert resolves a verified client certificate to its consumer:
// by fingerprint, then URI SAN, DNS SAN, email SAN, then subject, the
// most specific first. id names what matched, for logs and rate limits.
func (ix *Index) ByClientCert(leaf *x509.Certificate) (c *pipeline.Consumer, id string, ok bool) {
	fp := Fingerprint(leaf)
	if c, ok := ix.byCert["sha256\x00"+fp]; ok {
		return c, "cert:" + fp[:12], true
	}
	for _, u := range leaf.URIs {
		if c, ok := ix.byCert["uri\x00"+u.String()]; ok {
			return c, "cert:" + fp[:12], true
		}
	}
	for _, d := range leaf.DNSNames {
		if c, ok := ix.byCert["dns\x00"+strings.ToLower(d)]; ok {
			return c, "cert:" + fp[:12], true
		}
	}
	for _, e := range leaf.EmailAddresses {
		if c, ok := ix.byCert["email\x00"+strings.ToLower(e)]; ok {
			return c, "cert:" + fp[:12], true
		}
	}
	if c, ok := ix.byCert["subject\x00"+leaf.Subject.String()]; ok {
		return c, "cert:" + fp[:12], true
	}
	return nil, "", false
}

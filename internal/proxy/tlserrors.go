package proxy

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"strings"
)

// isCertificate says err is a failed certificate check on either side of
// a TLS handshake with a service: ours of its certificate, or its alert
// about ours (mutual TLS).
func isCertificate(err error) bool {
	var (
		ve *tls.CertificateVerificationError
		ua x509.UnknownAuthorityError
		he x509.HostnameError
		ci x509.CertificateInvalidError
		ae tls.AlertError
	)
	switch {
	case errors.As(err, &ve), errors.As(err, &ua), errors.As(err, &he), errors.As(err, &ci):
		return true
	case errors.As(err, &ae):
		// bad_certificate (42) to certificate_required (116): the service
		// refused the gateway's certificate or its absence.
		return ae == 42 || ae == 43 || ae == 44 || ae == 45 || ae == 46 || ae == 48 || ae == 116
	}
	// Over TCP crypto/tls reports the service's alert as an unexported
	// type: "remote error: tls: bad certificate", "... certificate
	// required" and the like.
	msg := err.Error()
	if i := strings.Index(msg, "remote error: tls: "); i >= 0 {
		return strings.Contains(msg[i:], "certificate")
	}
	return false
}

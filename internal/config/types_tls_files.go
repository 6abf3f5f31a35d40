package config

// ListenerTLS makes a listener serve TLS from certificate files. This is
// the smallest useful form: SNI picks among the certificates, TLS 1.2 is
// the minimum, and HTTP/2 is offered through ALPN.
type ListenerTLS struct {
	// Certificates are PEM certificate chains with their PEM keys. The
	// certificate whose names match the client's SNI is used; the first is
	// the default.
	Certificates []CertificateFiles `yaml:"certificates"`
}

// CertificateFiles is one certificate chain and its private key.
type CertificateFiles struct {
	// CertFile is a PEM file: the leaf certificate, then intermediates.
	CertFile string `yaml:"cert_file"`
	// KeyFile is the PEM private key of the leaf certificate.
	KeyFile string `yaml:"key_file"`
}

// listenerTLS checks that each certificate names both of its files; the
// files themselves are read when the listener starts.
func (v *validator) listenerTLS(t ListenerTLS, at Path) {
	for i, c := range t.Certificates {
		ci := at.Field("certificates").Index(i)
		if c.CertFile == "" {
			v.errorf(ci.Field("cert_file"), "required")
		}
		if c.KeyFile == "" {
			v.errorf(ci.Field("key_file"), "required")
		}
	}
}

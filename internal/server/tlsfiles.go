package server

import (
	"crypto/tls"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/config"
)

// LoadTLS reads a listener's certificate files into a TLS config, or
// returns nil for a listener without TLS. crypto/tls picks the
// certificate matching the client's SNI, the first when none does.
func LoadTLS(l config.Listener) (*tls.Config, error) {
	if len(l.TLS.Certificates) == 0 {
		return nil, nil
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	for i, f := range l.TLS.Certificates {
		cert, err := tls.LoadX509KeyPair(f.CertFile, f.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("listener %q: tls.certificates[%d]: %w", l.Name, i, err)
		}
		c.Certificates = append(c.Certificates, cert)
	}
	return c, nil
}

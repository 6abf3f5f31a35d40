package runtime

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"

	"github.com/gatehouse/gatehouse/internal/config"
)

// upstreamTLS builds the client TLS config of service i from its files.
// The digest covers the settings and the files' contents, so the
// connection pool is rebuilt when a certificate file changes and kept
// when nothing did. An error names the field that is wrong.
func upstreamTLS(i int, s config.Service, logger *slog.Logger) (*tls.Config, string, error) {
	c := s.TLS
	if c == nil {
		return nil, "", nil
	}
	at := config.Path("services").Index(i).Field("tls")
	sum := sha256.New()
	fmt.Fprintf(sum, "%q|%q|%q|%v|", c.CAFiles, c.ServerName, c.MinVersion, c.InsecureSkipVerify)
	if cc := c.ClientCertificate; cc != nil {
		fmt.Fprintf(sum, "%q|%q|", cc.Cert, cc.Key)
	}
	read := func(file string, field config.Path) ([]byte, error) {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", field, err)
		}
		sum.Write(b)
		return b, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.ServerName}
	if c.MinVersion == "1.3" {
		cfg.MinVersion = tls.VersionTLS13
	}
	if len(c.CAFiles) > 0 {
		cfg.RootCAs = x509.NewCertPool()
		for j, f := range c.CAFiles {
			b, err := read(f, at.Field("ca_files").Index(j))
			if err != nil {
				return nil, "", err
			}
			if !cfg.RootCAs.AppendCertsFromPEM(b) {
				return nil, "", fmt.Errorf("%s: no PEM certificate in %s", at.Field("ca_files").Index(j), f)
			}
		}
	}
	if cc := c.ClientCertificate; cc != nil {
		ca := at.Field("client_certificate")
		cert, err := read(cc.Cert, ca.Field("cert"))
		if err != nil {
			return nil, "", err
		}
		key, err := read(cc.Key, ca.Field("key"))
		if err != nil {
			return nil, "", err
		}
		pair, err := tls.X509KeyPair(cert, key)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", ca, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	if c.InsecureSkipVerify {
		// Said at every load, so it is never forgotten in production.
		logger.Warn("TLS verification of a service is off: any certificate is accepted",
			"service", s.Name, "path", string(at.Field("insecure_skip_verify")))
		cfg.InsecureSkipVerify = true
	}
	return cfg, hex.EncodeToString(sum.Sum(nil)[:8]), nil
}

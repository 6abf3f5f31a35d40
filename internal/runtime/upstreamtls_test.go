package runtime

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
)

// selfSigned writes a certificate and its key to dir.
func selfSigned(t *testing.T, dir, name string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	return certFile, keyFile
}

func TestUpstreamTLS(t *testing.T) {
	dir := t.TempDir()
	ca, caKey := selfSigned(t, dir, "ca")
	cert, key := selfSigned(t, dir, "client")
	notPEM := filepath.Join(dir, "not.pem")
	os.WriteFile(notPEM, []byte("hello"), 0o600)
	svc := func(c config.UpstreamTLS) config.Service { return config.Service{Name: "s", TLS: &c} }
	quiet := slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))

	t.Run("settings", func(t *testing.T) {
		c, digest, err := upstreamTLS(2, svc(config.UpstreamTLS{CAFiles: []string{ca}, ServerName: "users.internal",
			ClientCertificate: &config.CertKeyPair{Cert: cert, Key: key}, MinVersion: "1.3"}), quiet)
		if err != nil {
			t.Fatal(err)
		}
		if c.ServerName != "users.internal" || c.MinVersion != tls.VersionTLS13 || len(c.Certificates) != 1 || c.RootCAs == nil || c.InsecureSkipVerify {
			t.Errorf("config %+v", c)
		}
		if digest == "" {
			t.Error("no digest")
		}
		// A changed file changes the digest: the pool is rebuilt.
		_, again, _ := upstreamTLS(2, svc(config.UpstreamTLS{CAFiles: []string{ca}, ServerName: "users.internal",
			ClientCertificate: &config.CertKeyPair{Cert: cert, Key: key}, MinVersion: "1.3"}), quiet)
		selfSigned(t, dir, "ca")
		_, changed, _ := upstreamTLS(2, svc(config.UpstreamTLS{CAFiles: []string{ca}, ServerName: "users.internal",
			ClientCertificate: &config.CertKeyPair{Cert: cert, Key: key}, MinVersion: "1.3"}), quiet)
		if again != digest || changed == digest {
			t.Errorf("digests %s, %s, %s; want the same twice, then another", digest, again, changed)
		}
		if c, _, _ := upstreamTLS(0, svc(config.UpstreamTLS{}), quiet); c.MinVersion != tls.VersionTLS12 || c.RootCAs != nil {
			t.Errorf("defaults %+v; want TLS 1.2 and system roots", c)
		}
	})

	for _, tc := range []struct {
		name string
		c    config.UpstreamTLS
		want string
	}{
		{"missing CA file", config.UpstreamTLS{CAFiles: []string{ca, filepath.Join(dir, "gone.pem")}}, "services[2].tls.ca_files[1]: open "},
		{"CA file without a certificate", config.UpstreamTLS{CAFiles: []string{notPEM}}, "services[2].tls.ca_files[0]: no PEM certificate"},
		{"missing key", config.UpstreamTLS{ClientCertificate: &config.CertKeyPair{Cert: cert, Key: filepath.Join(dir, "gone")}}, "services[2].tls.client_certificate.key: open "},
		{"key of another certificate", config.UpstreamTLS{ClientCertificate: &config.CertKeyPair{Cert: cert, Key: caKey}}, "services[2].tls.client_certificate: tls: private key does not match public key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := upstreamTLS(2, svc(tc.c), quiet)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error %v; want one starting %q", err, tc.want)
			}
		})
	}

	t.Run("insecure warns at every load", func(t *testing.T) {
		var logs bytes.Buffer
		l := slog.New(slog.NewTextHandler(&logs, nil))
		for range 2 {
			c, _, err := upstreamTLS(0, svc(config.UpstreamTLS{InsecureSkipVerify: true}), l)
			if err != nil || !c.InsecureSkipVerify {
				t.Fatalf("%v %v", c, err)
			}
		}
		if n := strings.Count(logs.String(), "level=WARN msg=\"TLS verification of a service is off"); n != 2 {
			t.Errorf("%d warnings in %q; want 2", n, logs.String())
		}
	})
}

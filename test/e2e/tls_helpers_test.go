package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/certs"
)

// pki is a test CA and the files it issued into a temporary directory.
type pki struct {
	t   *testing.T
	ca  *certs.Authority
	dir string
	// caFile is the CA certificate as PEM, for client_auth.ca_files.
	caFile string
	pool   *x509.CertPool
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	ca, err := certs.NewAuthority("e2e CA")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	if err := certs.WriteFileAtomic(caFile, ca.PEM, 0o644); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	return &pki{t: t, ca: ca, dir: dir, caFile: caFile, pool: pool}
}

// issue writes NAME.pem and NAME-key.pem and returns their paths.
func (p *pki) issue(name string, l certs.Leaf) (cert, key string) {
	p.t.Helper()
	c, k, err := p.ca.IssueFiles(p.dir, name, l)
	if err != nil {
		p.t.Fatal(err)
	}
	return c, k
}

// clientCert issues a client certificate usable in a tls.Config.
func (p *pki) clientCert(l certs.Leaf) tls.Certificate {
	p.t.Helper()
	l.Client = true
	c, k, err := p.ca.Issue(l)
	if err != nil {
		p.t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(c, k)
	if err != nil {
		p.t.Fatal(err)
	}
	return pair
}

// handshake opens a TLS connection to addr with SNI name and returns the
// leaf the server presented.
func handshake(addr, name string, conf *tls.Config) (*x509.Certificate, tls.ConnectionState, error) {
	c := conf.Clone()
	c.ServerName = name
	d := &net.Dialer{Timeout: 3 * time.Second}
	conn, err := tls.DialWithDialer(d, "tcp", addr, c)
	if err != nil {
		return nil, tls.ConnectionState{}, err
	}
	defer conn.Close()
	st := conn.ConnectionState()
	return st.PeerCertificates[0], st, nil
}

// httpsClient trusts the test CA and, if given, presents a client
// certificate.
func httpsClient(pool *x509.CertPool, name string, certs ...tls.Certificate) *http.Client {
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			Proxy:           nil,
			TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: name, Certificates: certs},
		},
	}
}

type x509Certificate = x509.Certificate

func parseLeaf(c tls.Certificate) (*x509.Certificate, error) {
	if c.Leaf != nil {
		return c.Leaf, nil
	}
	return x509.ParseCertificate(c.Certificate[0])
}

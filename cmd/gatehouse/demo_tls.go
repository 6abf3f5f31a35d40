package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"

	"github.com/gatehouse/gatehouse/internal/certs"
	"github.com/gatehouse/gatehouse/internal/config"
)

// demoTLS makes a local CA in dir, issues a certificate for localhost
// from it, and adds an HTTPS listener on addr to cfg: a copy of the first
// listener (so it has the same defaults) with TLS on. It returns the CA
// file for curl --cacert.
func demoTLS(cfg *config.Config, dir, addr string) (caFile string, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	ca, err := certs.NewAuthority("gatehouse demo CA")
	if err != nil {
		return "", err
	}
	caFile = filepath.Join(dir, "ca.pem")
	if err := certs.WriteFileAtomic(caFile, ca.PEM, 0o644); err != nil {
		return "", err
	}
	cert, key, err := ca.IssueFiles(dir, "localhost", certs.Leaf{
		CommonName: "localhost",
		DNS:        []string{"localhost"},
		IPs:        []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	})
	if err != nil {
		return "", err
	}
	l := cfg.Listeners[0]
	l.Name, l.Addr = "https", addr
	l.TLS = &config.ListenerTLS{Certificates: []config.Certificate{{Cert: cert, Key: key}}}
	cfg.Listeners = append(cfg.Listeners, l)
	return caFile, nil
}

func printDemoTLS(w io.Writer, addr, caFile string) {
	_, port, _ := net.SplitHostPort(addr)
	base := "https://localhost:" + port
	fmt.Fprintf(w, `
HTTPS (HTTP/2 and HTTP/1.1) with a local CA made for this run:
  gateway    %s
  CA         %s
  curl --cacert %s %s/health
  curl --cacert %s -s -X POST %s/api/login -d '{"username":"alice","password":"secret"}'
`, base, caFile, caFile, base, caFile, base)
}

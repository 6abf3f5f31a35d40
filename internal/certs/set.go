package certs

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
)

// set is one immutable generation of a listener's file certificates.
// A reload builds a new set beside the serving one and swaps a pointer,
// so a handshake sees the old set or the new one, never half of either.
type set struct {
	exact    map[string]*tls.Certificate
	wildcard map[string]*tls.Certificate // "*.example.com" under "example.com"
	def      *tls.Certificate
	// sum identifies the files' bytes: a reload that reads the same bytes
	// changes nothing.
	sum [sha256.Size]byte
	// names label the expiry metric, one per certificate.
	names  []string
	expiry []time.Time
}

// loadSet reads every certificate file. Any error leaves the caller with
// the set it had.
func loadSet(files []config.Certificate, now time.Time) (*set, error) {
	s := &set{exact: map[string]*tls.Certificate{}, wildcard: map[string]*tls.Certificate{}}
	h := sha256.New()
	for i, f := range files {
		certPEM, err := os.ReadFile(f.Cert)
		if err != nil {
			return nil, fmt.Errorf("certificates[%d].cert: %w", i, err)
		}
		keyPEM, err := os.ReadFile(f.Key)
		if err != nil {
			return nil, fmt.Errorf("certificates[%d].key: %w", i, err)
		}
		h.Write(certPEM)
		h.Write(keyPEM)
		c, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return nil, fmt.Errorf("certificates[%d]: %w", i, err)
		}
		leaf := c.Leaf
		if leaf == nil {
			if leaf, err = x509.ParseCertificate(c.Certificate[0]); err != nil {
				return nil, fmt.Errorf("certificates[%d].cert: %w", i, err)
			}
			c.Leaf = leaf
		}
		if now.After(leaf.NotAfter) {
			return nil, fmt.Errorf("certificates[%d].cert: %s expired on %s", i, f.Cert, leaf.NotAfter.UTC().Format(time.RFC3339))
		}
		s.add(&c)
	}
	if s.def == nil {
		return nil, errors.New("no certificates")
	}
	copy(s.sum[:], h.Sum(nil))
	return s, nil
}

// add indexes a certificate by its names; the first one added is the
// default. A name claimed by two certificates goes to the first, as the
// order in the config says.
func (s *set) add(c *tls.Certificate) {
	if s.def == nil {
		s.def = c
	}
	names := c.Leaf.DNSNames
	if len(names) == 0 && c.Leaf.Subject.CommonName != "" {
		names = []string{c.Leaf.Subject.CommonName}
	}
	for _, ip := range c.Leaf.IPAddresses {
		names = append(names, ip.String())
	}
	for _, n := range names {
		n = strings.ToLower(n)
		if parent, ok := strings.CutPrefix(n, "*."); ok {
			if _, dup := s.wildcard[parent]; !dup {
				s.wildcard[parent] = c
			}
			continue
		}
		if _, dup := s.exact[n]; !dup {
			s.exact[n] = c
		}
	}
	label := c.Leaf.Subject.CommonName
	if len(names) > 0 {
		label = names[0]
	}
	s.names = append(s.names, label)
	s.expiry = append(s.expiry, c.Leaf.NotAfter)
}

// pick chooses the certificate for a client's SNI: exact name, then a
// wildcard one label deep, then the default. No SNI (a client connecting
// by IP) gets the certificate for that IP if there is one, else the
// default.
func (s *set) pick(hello *tls.ClientHelloInfo) *tls.Certificate {
	name := strings.ToLower(strings.TrimSuffix(hello.ServerName, "."))
	if name == "" && hello.Conn != nil {
		if host, _, err := net.SplitHostPort(hello.Conn.LocalAddr().String()); err == nil {
			name = host
		}
	}
	if c, ok := s.exact[name]; ok {
		return c
	}
	if _, parent, ok := strings.Cut(name, "."); ok {
		if c, ok := s.wildcard[parent]; ok {
			return c
		}
	}
	return s.def
}

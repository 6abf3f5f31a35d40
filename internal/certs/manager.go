package certs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/metrics"
)

// NextProtos are offered through ALPN on every TLS listener: HTTP/2 first,
// as Caddy and Envoy do, then HTTP/1.1.
var NextProtos = []string{"h2", "http/1.1"}

// Manager is one TLS listener's certificates and settings. The
// *tls.Config it gives the server never changes; each handshake asks
// GetConfigForClient for the current settings, which a reload swaps.
type Manager struct {
	name   string
	logger *slog.Logger
	base   *tls.Config

	certs   atomic.Pointer[set]
	current atomic.Pointer[tls.Config]
	// cfg is the ListenerTLS the current settings were built from.
	mu  sync.Mutex
	cfg *config.ListenerTLS

	acme *ACMEIssuer
	// acmeConf answers TLS-ALPN-01 challenges.
	acmeConf *tls.Config
	tickets  *ticketKeys
	stop     context.CancelFunc
	done     chan struct{}
	// rewatch tells the watcher the certificate files changed names.
	rewatch chan struct{}
}

// Options for NewManager.
type Options struct {
	// Listener is the listener's name, for logs and metrics.
	Listener string
	Logger   *slog.Logger
	// ACMEStorage, when set, replaces the disk storage of ACME
	// certificates (a shared store for a cluster).
	ACMEStorage Storage
}

// NewManager loads the listener's certificates and starts what keeps
// them fresh: file watching, ticket key rotation and ACME renewal.
func NewManager(c *config.ListenerTLS, o Options) (*Manager, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	m := &Manager{name: o.Listener, logger: o.Logger, done: make(chan struct{}), rewatch: make(chan struct{}, 1)}
	m.base = &tls.Config{
		MinVersion:         tls.VersionTLS12,
		NextProtos:         append([]string(nil), NextProtos...),
		GetConfigForClient: m.configForClient,
		GetCertificate:     m.getCertificate,
	}
	if c.ACME != nil {
		a, err := NewACMEIssuer(c.ACME, ACMEOptions{Listener: o.Listener, Logger: o.Logger, Storage: o.ACMEStorage})
		if err != nil {
			return nil, fmt.Errorf("listener %q: acme: %w", o.Listener, err)
		}
		m.acme = a
		m.acmeConf = &tls.Config{
			MinVersion:     tls.VersionTLS12,
			NextProtos:     []string{ACMETLSALPNProto},
			GetCertificate: a.GetCertificate,
		}
	}
	commit, err := m.Prepare(c)
	if err != nil {
		m.acme.Stop()
		return nil, err
	}
	commit()
	m.tickets = newTicketKeys()
	m.tickets.apply(m.base)
	ctx, cancel := context.WithCancel(context.Background())
	m.stop = cancel
	go m.run(ctx)
	return m, nil
}

// TLSConfig is the listener's *tls.Config: wrap the listener with it
// (tls.NewListener) or hand it to an HTTP/3 server. Callers must not
// modify it.
func (m *Manager) TLSConfig() *tls.Config { return m.base }

// ManageACME obtains the ACME certificates (if any) in the background
// and keeps them renewed; call once the listeners are serving, so the
// challenges can be answered.
func (m *Manager) ManageACME(ctx context.Context) error {
	if m.acme == nil {
		return nil
	}
	return m.acme.Manage(ctx)
}

// ACME is the listener's ACME issuer, nil without acme.
func (m *Manager) ACME() *ACMEIssuer { return m.acme }

// Prepare loads the certificates and builds the settings of c without
// serving them; commit swaps them in. A reload prepares every listener
// first, so one bad file rejects the whole reload.
func (m *Manager) Prepare(c *config.ListenerTLS) (commit func(), err error) {
	var s *set
	if len(c.Certificates) > 0 {
		if s, err = loadSet(c.Certificates, time.Now()); err != nil {
			return nil, fmt.Errorf("listener %q: tls.%w", m.name, err)
		}
	}
	conf, err := m.settings(c)
	if err != nil {
		return nil, fmt.Errorf("listener %q: tls.%w", m.name, err)
	}
	return func() {
		m.mu.Lock()
		moved := m.cfg != nil && !reflect.DeepEqual(m.cfg.Certificates, c.Certificates)
		m.cfg = c
		m.certs.Store(s)
		m.current.Store(conf)
		m.mu.Unlock()
		m.recordExpiry(s)
		if moved {
			select {
			case m.rewatch <- struct{}{}:
			default:
			}
		}
	}, nil
}

// ReloadFiles re-reads the certificate files of the serving settings. A
// file that fails to load leaves the certificates that were serving.
func (m *Manager) ReloadFiles() error {
	m.mu.Lock()
	c := m.cfg
	old := m.certs.Load()
	m.mu.Unlock()
	if c == nil || len(c.Certificates) == 0 {
		return nil
	}
	s, err := loadSet(c.Certificates, time.Now())
	if err != nil {
		metrics.TLSCertificateReloads.WithLabelValues(m.name, "error").Inc()
		m.logger.Error("certificate reload failed; the previous certificates keep serving", "listener", m.name, "err", err)
		return fmt.Errorf("listener %q: tls.%w", m.name, err)
	}
	if old != nil && old.sum == s.sum {
		return nil
	}
	m.mu.Lock()
	if m.cfg != c {
		// A config reload came in between and loaded its own files.
		m.mu.Unlock()
		return nil
	}
	m.certs.Store(s)
	m.mu.Unlock()
	m.recordExpiry(s)
	metrics.TLSCertificateReloads.WithLabelValues(m.name, "success").Inc()
	m.logger.Info("certificates reloaded", "listener", m.name, "certificates", len(s.names))
	return nil
}

// Close stops the watcher, ticket rotation and ACME maintenance.
func (m *Manager) Close() {
	if m.stop != nil {
		m.stop()
		<-m.done
	}
	m.acme.Stop()
	metrics.TLSCertificateExpiry.DeletePartialMatch(map[string]string{"listener": m.name})
}

// settings builds the per-handshake config of c: everything but the
// certificates, which getCertificate picks from the current set.
func (m *Manager) settings(c *config.ListenerTLS) (*tls.Config, error) {
	conf := &tls.Config{
		MinVersion:     tls.VersionTLS12,
		NextProtos:     append([]string(nil), NextProtos...),
		GetCertificate: m.getCertificate,
	}
	if c.MinVersion == config.TLSVersion13 {
		conf.MinVersion = tls.VersionTLS13
	}
	if len(c.CipherSuites) == 0 {
		conf.CipherSuites = modernSuites
	}
	for _, name := range c.CipherSuites {
		id, ok := suiteID(name)
		if !ok {
			return nil, fmt.Errorf("cipher_suites: unknown %q", name)
		}
		conf.CipherSuites = append(conf.CipherSuites, id)
	}
	if m.acme != nil && m.acme.TLSALPN() {
		conf.NextProtos = append(conf.NextProtos, ACMETLSALPNProto)
	}
	if ca := c.ClientAuth; ca != nil {
		pool := x509.NewCertPool()
		for i, f := range ca.CAFiles {
			cas, msg := config.LoadCertificates(f)
			if msg != "" {
				return nil, fmt.Errorf("client_auth.ca_files[%d]: %s", i, msg)
			}
			for _, cert := range cas {
				pool.AddCert(cert)
			}
		}
		conf.ClientCAs = pool
		conf.ClientAuth = tls.RequireAndVerifyClientCert
		if ca.Mode == config.ClientAuthVerifyIfGiven {
			conf.ClientAuth = tls.VerifyClientCertIfGiven
		}
	}
	return conf, nil
}

func (m *Manager) configForClient(hello *tls.ClientHelloInfo) (*tls.Config, error) {
	if m.acme != nil && isACMEChallenge(hello) {
		// The CA validating a TLS-ALPN-01 challenge has no client
		// certificate to show.
		return m.acmeConf, nil
	}
	return m.current.Load(), nil
}

func isACMEChallenge(hello *tls.ClientHelloInfo) bool {
	return len(hello.SupportedProtos) == 1 && hello.SupportedProtos[0] == ACMETLSALPNProto
}

// getCertificate serves ACME's names (and its TLS-ALPN challenges) from
// the ACME issuer and everything else from the files, chosen by SNI.
func (m *Manager) getCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	if m.acme != nil && m.acme.Handles(hello) {
		return m.acme.GetCertificate(hello)
	}
	if s := m.certs.Load(); s != nil {
		return s.pick(hello), nil
	}
	if m.acme != nil {
		return m.acme.GetCertificate(hello)
	}
	return nil, errors.New("no certificate")
}

func (m *Manager) recordExpiry(s *set) {
	metrics.TLSCertificateExpiry.DeletePartialMatch(map[string]string{"listener": m.name})
	if s != nil {
		for i, n := range s.names {
			metrics.TLSCertificateExpiry.WithLabelValues(m.name, n).Set(float64(s.expiry[i].Unix()))
		}
	}
	if m.acme != nil {
		m.acme.recordExpiry(m.name)
	}
}

// modernSuites are the TLS 1.2 suites offered by default: ECDHE with an
// AEAD only, Mozilla's "intermediate" list (Go's default still has CBC
// suites with SHA-1 MACs). TLS 1.3 suites are not configurable.
var modernSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

func suiteID(name string) (uint16, bool) {
	for _, s := range tls.CipherSuites() {
		if s.Name == name {
			return s.ID, true
		}
	}
	return 0, false
}

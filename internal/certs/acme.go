package certs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/metrics"
)

// ACMETLSALPNProto is the ALPN protocol of TLS-ALPN-01 challenges.
const ACMETLSALPNProto = "acme-tls/1"

// Storage is where ACME accounts, certificates, keys, OCSP staples and
// challenge tokens are kept. It is certmagic's interface, locks included:
// instances of one cluster that share a Storage (Redis, Consul, S3 and
// others have implementations) take a lock before ordering a
// certificate, so only one orders it and the others load it, and any of
// them can answer the HTTP-01 challenge. The default is the disk.
type Storage = certmagic.Storage

// ACMEIssuer obtains, renews and staples OCSP for one listener's ACME
// domains through certmagic, with its own certificate cache (so two
// listeners, or a reload, never share half-configured state).
type ACMEIssuer struct {
	cfg     *certmagic.Config
	issuer  *certmagic.ACMEIssuer
	cache   *certmagic.Cache
	domains map[string]bool
	list    []string
	tlsALPN bool
	http01  bool
}

// ACMEOptions for NewACMEIssuer.
type ACMEOptions struct {
	// Listener names the listener in the expiry metric.
	Listener string
	Logger   *slog.Logger
	Storage  Storage
	// HTTPAddr is the plain listener HTTP-01 challenges arrive on; the
	// issuer never binds a port of its own while one is set.
	HTTPAddr string
	// TLSAddr is this listener's address, where TLS-ALPN-01 challenges
	// arrive.
	TLSAddr string
}

// DefaultACMEStorage is where ACME state goes without acme.storage: the
// user's data directory, as Caddy does.
func DefaultACMEStorage() string {
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "gatehouse", "acme")
	}
	return filepath.Join(os.TempDir(), "gatehouse-acme")
}

// NewACMEIssuer prepares the issuer; Manage starts obtaining.
func NewACMEIssuer(a *config.ACME, o ACMEOptions) (*ACMEIssuer, error) {
	if len(a.Domains) == 0 {
		return nil, errors.New("no domains")
	}
	storage := o.Storage
	if storage == nil {
		dir := a.Storage
		if dir == "" {
			dir = DefaultACMEStorage()
		}
		storage = &certmagic.FileStorage{Path: dir}
	}
	zl := zapLogger()
	ai := &ACMEIssuer{domains: map[string]bool{}, tlsALPN: true, http01: true}
	if len(a.Challenges) > 0 {
		ai.tlsALPN, ai.http01 = false, false
		for _, c := range a.Challenges {
			ai.tlsALPN = ai.tlsALPN || c == config.ChallengeTLSALPN01
			ai.http01 = ai.http01 || c == config.ChallengeHTTP01
		}
	}
	for _, d := range a.Domains {
		d = strings.ToLower(d)
		ai.domains[d] = true
		ai.list = append(ai.list, d)
	}
	var roots *x509.CertPool
	if a.CARoot != "" {
		cas, msg := config.LoadCertificates(a.CARoot)
		if msg != "" {
			return nil, fmt.Errorf("ca_root: %s", msg)
		}
		roots = x509.NewCertPool()
		for _, c := range cas {
			roots.AddCert(c)
		}
	}
	ai.cache = certmagic.NewCache(certmagic.CacheOptions{
		GetConfigForCert: func(certmagic.Certificate) (*certmagic.Config, error) { return ai.cfg, nil },
		Logger:           zl,
	})
	ai.cfg = certmagic.New(ai.cache, certmagic.Config{Storage: storage, Logger: zl,
		OnEvent: func(_ context.Context, event string, _ map[string]any) error {
			if event == "cached_managed_cert" {
				// Outside the event: certmagic may hold its cache lock.
				go ai.recordExpiry(o.Listener)
			}
			return nil
		}})
	ca := a.CA
	if ca == "" {
		ca = config.DefaultACMECA
	}
	tmpl := certmagic.ACMEIssuer{
		CA:                      ca,
		Email:                   a.Email,
		Agreed:                  true,
		DisableHTTPChallenge:    !ai.http01,
		DisableTLSALPNChallenge: !ai.tlsALPN,
		TrustedRoots:            roots,
		Logger:                  zl,
	}
	// Point certmagic's own solvers at our listeners' ports: binding them
	// fails with "address in use", which certmagic takes to mean the
	// challenge is answered by the handler already serving there (ours).
	if host, port, ok := splitPort(o.HTTPAddr); ok {
		tmpl.ListenHost, tmpl.AltHTTPPort = host, port
	}
	if _, port, ok := splitPort(o.TLSAddr); ok {
		tmpl.AltTLSALPNPort = port
	}
	ai.issuer = certmagic.NewACMEIssuer(ai.cfg, tmpl)
	ai.cfg.Issuers = []certmagic.Issuer{ai.issuer}
	return ai, nil
}

// SetAddrs tells the issuer where the listeners are bound (known only
// once they are, with ":0" in tests).
func (a *ACMEIssuer) SetAddrs(httpAddr, tlsAddr string) {
	if a == nil {
		return
	}
	if host, port, ok := splitPort(httpAddr); ok {
		a.issuer.ListenHost, a.issuer.AltHTTPPort = host, port
	}
	if _, port, ok := splitPort(tlsAddr); ok {
		a.issuer.AltTLSALPNPort = port
	}
}

func splitPort(addr string) (string, int, bool) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, false
	}
	n, err := strconv.Atoi(p)
	return host, n, err == nil && n > 0
}

// Manage obtains the certificates that are not in storage yet, in the
// background, and keeps every one renewed (and its OCSP staple fresh).
func (a *ACMEIssuer) Manage(ctx context.Context) error {
	return a.cfg.ManageAsync(ctx, a.list)
}

// TLSALPN says TLS-ALPN-01 is offered.
func (a *ACMEIssuer) TLSALPN() bool { return a != nil && a.tlsALPN }

// Handles says the handshake is for an ACME domain or is a TLS-ALPN-01
// challenge.
func (a *ACMEIssuer) Handles(hello *tls.ClientHelloInfo) bool {
	if isACMEChallenge(hello) {
		return a.tlsALPN
	}
	return a.domains[strings.ToLower(strings.TrimSuffix(hello.ServerName, "."))]
}

// GetCertificate serves a managed certificate, with its OCSP staple, or
// the TLS-ALPN-01 challenge certificate.
func (a *ACMEIssuer) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	return a.cfg.GetCertificate(hello)
}

// HTTPChallengeHandler answers HTTP-01 challenges, from this instance or
// any other sharing the storage, and passes every other request to next.
func (a *ACMEIssuer) HTTPChallengeHandler(next http.Handler) http.Handler {
	if a == nil || !a.http01 {
		return next
	}
	return a.issuer.HTTPChallengeHandler(next)
}

// Stop ends certificate maintenance.
func (a *ACMEIssuer) Stop() {
	if a != nil {
		a.cache.Stop()
	}
}

// Certificate returns the managed certificate for name, if obtained.
func (a *ACMEIssuer) Certificate(name string) (*x509.Certificate, bool) {
	for _, c := range a.cache.AllMatchingCertificates(name) {
		if c.Leaf != nil {
			return c.Leaf, true
		}
	}
	return nil, false
}

func (a *ACMEIssuer) recordExpiry(listener string) {
	for _, d := range a.list {
		if leaf, ok := a.Certificate(d); ok {
			metrics.TLSCertificateExpiry.WithLabelValues(listener, d).Set(float64(leaf.NotAfter.Unix()))
		}
	}
}

// zapLogger is certmagic's logger: warnings and errors only, as JSON on
// stderr like the gateway's own log.
func zapLogger() *zap.Logger {
	enc := zap.NewProductionEncoderConfig()
	enc.TimeKey = "time"
	enc.EncodeTime = zapcore.ISO8601TimeEncoder
	core := zapcore.NewCore(zapcore.NewJSONEncoder(enc), zapcore.Lock(os.Stderr), zap.WarnLevel)
	return zap.New(core).Named("acme")
}

// HandleHTTPChallenge answers r if it is an HTTP-01 challenge and says
// whether it did.
func (a *ACMEIssuer) HandleHTTPChallenge(w http.ResponseWriter, r *http.Request) bool {
	if a == nil || !a.http01 {
		return false
	}
	return a.issuer.HandleHTTPChallenge(w, r)
}

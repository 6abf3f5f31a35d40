package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"

	"github.com/gatehouse/gatehouse/internal/certs"
	"github.com/gatehouse/gatehouse/internal/config"
)

// setupTLS makes a certificate manager for every TLS listener and hands
// its *tls.Config to the server.
func (g *Gateway) setupTLS(ls []config.Listener) error {
	g.tls = map[string]*certs.Manager{}
	for i, l := range ls {
		if l.TLS == nil {
			continue
		}
		m, err := certs.NewManager(l.TLS, certs.Options{Listener: listenerName(l, i), Logger: g.logger})
		if err != nil {
			g.closeTLS()
			return err
		}
		g.tls[listenerName(l, i)] = m
		g.server.SetTLS(listenerName(l, i), m.TLSConfig())
	}
	return nil
}

func listenerName(l config.Listener, i int) string {
	if l.Name != "" {
		return l.Name
	}
	if i == 0 {
		return "public"
	}
	return fmt.Sprintf("listener-%d", i)
}

// listenerHandler is the server's handler of a listener: the runtime's,
// with ACME HTTP-01 challenges answered first on plain listeners.
func (g *Gateway) listenerHandler(name string) http.Handler {
	h := g.holder.Handler(name)
	for i, l := range g.cfg.Listeners {
		if listenerName(l, i) == name && l.TLS != nil {
			return h
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, m := range g.tls {
			if a := m.ACME(); a != nil && a.HandleHTTPChallenge(w, r) {
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// startACME tells each ACME issuer where the listeners are bound and
// starts obtaining certificates; the listeners must be serving, since the
// CA connects to them to validate.
func (g *Gateway) startACME() error {
	var plain string
	for i, l := range g.cfg.Listeners {
		if l.TLS == nil {
			if a := g.server.Addr(listenerName(l, i)); a != nil && plain == "" {
				plain = a.String()
			}
		}
	}
	for name, m := range g.tls {
		a := m.ACME()
		if a == nil {
			continue
		}
		tlsAddr := ""
		if ad := g.server.Addr(name); ad != nil {
			tlsAddr = ad.String()
		}
		a.SetAddrs(plain, tlsAddr)
		if err := m.ManageACME(context.Background()); err != nil {
			return fmt.Errorf("listener %q: acme: %w", name, err)
		}
	}
	return nil
}

// prepareTLS loads the certificates and settings of next's TLS
// listeners without serving them; commit swaps them in. Whether a
// listener has TLS, and its ACME settings, need a restart.
func (g *Gateway) prepareTLS(cur, next []config.Listener) (commit func(), err error) {
	var commits []func()
	for i := range next {
		a, b := cur[i], next[i]
		if (a.TLS == nil) != (b.TLS == nil) {
			return nil, fmt.Errorf("listeners[%d].tls: turning TLS on or off needs a restart", i)
		}
		if b.TLS == nil {
			continue
		}
		if !reflect.DeepEqual(a.TLS.ACME, b.TLS.ACME) {
			return nil, fmt.Errorf("listeners[%d].tls.acme: changing ACME settings needs a restart", i)
		}
		m := g.tls[listenerName(b, i)]
		if m == nil {
			return nil, fmt.Errorf("listeners[%d].tls: no TLS manager", i)
		}
		c, err := m.Prepare(b.TLS)
		if err != nil {
			return nil, err
		}
		commits = append(commits, c)
	}
	return func() {
		for _, c := range commits {
			c()
		}
	}, nil
}

// reloadCertificates re-reads every listener's certificate files (SIGHUP
// and the admin reload do this even when the config is unchanged).
func (g *Gateway) reloadCertificates() error {
	var errs []error
	for _, m := range g.tls {
		errs = append(errs, m.ReloadFiles())
	}
	return errors.Join(errs...)
}

func (g *Gateway) closeTLS() {
	for _, m := range g.tls {
		m.Close()
	}
}

// TLS is the certificate manager of the named listener, nil for a plain
// one.
func (g *Gateway) TLS(listener string) *certs.Manager { return g.tls[listener] }

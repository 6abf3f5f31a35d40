// Package demo runs three small example services (auth, orders, payments)
// on loopback so that `gatehouse demo` can show the gateway routing
// /api/login, /api/orders and /api/charge to them.
//
// The services deliberately echo what they received (path, X-Request-ID,
// X-Forwarded-*) in a "seen_by_service" block, so a user can see what the
// gateway changed on the way through.
package demo

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// shutdownGrace bounds how long Close waits for in-flight requests (an SSE
// stream lasts about one second) before closing connections hard.
const shutdownGrace = 5 * time.Second

// Services is a running set of demo services.
type Services struct {
	// Auth, Orders and Payments are base URLs like http://127.0.0.1:PORT.
	Auth, Orders, Payments string

	servers   []*http.Server
	closeOnce sync.Once
	closed    chan struct{} // closed by Close; ends the ctx watcher
	wg        sync.WaitGroup
}

// Start listens on three ephemeral loopback ports and serves the demo
// services until Close is called or ctx is cancelled.
func Start(ctx context.Context) (*Services, error) {
	s := &Services{closed: make(chan struct{})}
	signer, err := newJWTSigner()
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	handlers := []struct {
		name string
		mux  *http.ServeMux
		url  *string
	}{
		{"auth", newAuthService(signer).handler(), &s.Auth},
		{"orders", newOrdersService().handler(), &s.Orders},
		{"payments", newPaymentsService().handler(), &s.Payments},
	}

	var lc net.ListenConfig
	for _, hs := range handlers {
		// Loopback only: the demo services are never meant to be reachable
		// from other machines, only through the gateway.
		ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("demo: listen for %s service: %w", hs.name, err)
		}
		srv := &http.Server{
			Handler:           jsonErrors(hs.mux),
			ReadHeaderTimeout: 5 * time.Second,
			IdleTimeout:       60 * time.Second,
		}
		s.servers = append(s.servers, srv)
		*hs.url = "http://" + ln.Addr().String()

		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			// Serve only returns once Shutdown/Close ran (ErrServerClosed)
			// or the listener broke; either way there is no one to tell.
			_ = srv.Serve(ln)
		}()
	}
	// Cancelling ctx stops the services too, so a caller that forgets
	// Close does not leak listeners past its own lifetime.
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-s.closed:
		}
	}()
	return s, nil
}

// Env returns the base URLs under the names a demo gateway config refers to.
func (s *Services) Env() map[string]string {
	return map[string]string{
		"AUTH_URL": s.Auth,
		// The gateway verifies the auth service's tokens with this key set.
		"AUTH_JWKS_URL": s.Auth + "/.well-known/jwks.json",
		"ORDERS_URL":    s.Orders,
		"PAYMENTS_URL":  s.Payments,
	}
}

// Close shuts the services down gracefully, letting in-flight requests
// finish for a few seconds. It is safe to call more than once.
func (s *Services) Close() {
	s.closeOnce.Do(func() {
		close(s.closed)
		ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		var wg sync.WaitGroup
		for _, srv := range s.servers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := srv.Shutdown(ctx); err != nil {
					// Grace period over: drop the remaining connections.
					_ = srv.Close()
				}
			}()
		}
		wg.Wait()
		s.wg.Wait()
	})
}

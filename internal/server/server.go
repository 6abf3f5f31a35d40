// Package server runs the gateway's listeners with safe timeouts and
// shuts them down gracefully.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/metrics"
)

// Server is the set of client-facing listeners.
type Server struct {
	servers []*http.Server
	lns     []net.Listener
	names   []string
	logger  *slog.Logger
	wg      sync.WaitGroup
	errs    chan error
	h3      []*h3Listener // HTTP/3 beside the listeners that enable it
}

// New prepares one http.Server per listener; handler returns the handler
// of a listener by name.
func New(ls []config.Listener, handler func(name string) http.Handler, logger *slog.Logger) *Server {
	s := &Server{logger: logger, errs: make(chan error, len(ls))}
	for i, l := range ls {
		h := handler(l.Name)
		if l.HTTP3.Enabled {
			h = s.newH3(i, l, h)
		}
		hs := &http.Server{
			Addr:              l.Addr,
			Handler:           h,
			ReadHeaderTimeout: l.Timeouts.ReadHeader.D(),
			ReadTimeout:       l.Timeouts.Read.D(),
			WriteTimeout:      l.Timeouts.Write.D(),
			IdleTimeout:       l.Timeouts.Idle.D(),
			MaxHeaderBytes:    l.MaxHeaderBytes,
			ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
			ConnState:         countConns,
		}
		setProtocols(hs, l)
		s.servers = append(s.servers, hs)
		s.names = append(s.names, l.Name)
	}
	return s
}

// Start binds every listener, then serves them in the background. If any
// bind fails, the ones already bound are closed.
func (s *Server) Start() error {
	for i, hs := range s.servers {
		ln, err := net.Listen("tcp", hs.Addr)
		if err != nil {
			for _, l := range s.lns {
				l.Close()
			}
			s.lns = nil
			return fmt.Errorf("listener %q: %w", s.names[i], err)
		}
		s.lns = append(s.lns, ln)
	}
	if err := s.startH3(); err != nil {
		s.closeH3()
		for _, l := range s.lns {
			l.Close()
		}
		s.lns = nil
		return err
	}
	for i, hs := range s.servers {
		s.wg.Add(1)
		go func(hs *http.Server, ln net.Listener, name string) {
			defer s.wg.Done()
			s.logger.Info("listening", "listener", name, "addr", ln.Addr().String())
			if err := serve(hs, ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.errs <- fmt.Errorf("listener %q: %w", name, err)
			}
		}(hs, s.lns[i], s.names[i])
	}
	return nil
}

// Errors reports listeners that stopped on their own.
func (s *Server) Errors() <-chan error { return s.errs }

// Addr returns the bound address of the named listener, or nil.
func (s *Server) Addr(name string) net.Addr {
	for i, n := range s.names {
		if n == name && i < len(s.lns) {
			return s.lns[i].Addr()
		}
	}
	return nil
}

// Shutdown stops accepting connections, closes idle ones and waits for
// in-flight requests to finish or ctx to end; then it closes what is left.
func (s *Server) Shutdown(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make([]error, len(s.servers))
	for i, hs := range s.servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := hs.Shutdown(ctx); err != nil {
				errs[i] = err
				hs.Close()
			}
		}()
	}
	h3err := s.shutdownH3(ctx)
	wg.Wait()
	s.wg.Wait()
	return errors.Join(append(errs, h3err)...)
}

// DrainTimeout is the longest drain timeout of the listeners.
func DrainTimeout(ls []config.Listener) time.Duration {
	var d time.Duration
	for _, l := range ls {
		d = max(d, l.DrainTimeout.D())
	}
	return d
}

// countConns keeps gateway_active_connections: a connection counts from
// accept until it closes or is hijacked (an upgraded connection leaves
// net/http's hands).
func countConns(_ net.Conn, state http.ConnState) {
	switch state {
	case http.StateNew:
		metrics.ActiveConnections.Inc()
	case http.StateClosed, http.StateHijacked:
		metrics.ActiveConnections.Dec()
	}
}

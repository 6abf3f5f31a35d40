package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"

	"github.com/gatehouse/gatehouse/internal/config"
)

// h3Listener is the HTTP/3 side of a TCP listener: it serves the same
// handler on UDP with the same TLS certificates.
type h3Listener struct {
	tcp    int // index of the TCP listener it belongs to
	addr   string
	srv    *http3.Server
	conn   net.PacketConn
	altSvc atomic.Pointer[string] // set once the UDP port is bound
}

// newH3 prepares HTTP/3 for listener l (index i) and returns the handler
// the TCP side should serve: h, adding Alt-Svc to every response so
// clients learn they may switch.
func (s *Server) newH3(i int, l config.Listener, h http.Handler) http.Handler {
	hl := &h3Listener{tcp: i, addr: l.HTTP3.Addr}
	if hl.addr == "" {
		hl.addr = l.Addr
	}
	hl.srv = &http3.Server{
		Handler:        h,
		MaxHeaderBytes: l.MaxHeaderBytes,
		IdleTimeout:    l.Timeouts.Idle.D(),
		QUICConfig: &quic.Config{
			MaxIncomingStreams: int64(l.HTTP2.MaxConcurrentStreams),
			MaxIdleTimeout:     l.Timeouts.Idle.D(),
		},
		Logger: s.logger,
	}
	s.h3 = append(s.h3, hl)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := hl.altSvc.Load(); v != nil {
			w.Header()["Alt-Svc"] = []string{*v}
		}
		h.ServeHTTP(w, r)
	})
}

// startH3 binds the UDP sockets of the listeners with HTTP/3 and serves
// them; the TCP side must already have its TLS config.
func (s *Server) startH3() error {
	for _, hl := range s.h3 {
		tc := s.servers[hl.tcp].TLSConfig
		if tc == nil {
			return fmt.Errorf("listener %q: http3 needs TLS on the listener", s.names[hl.tcp])
		}
		hl.srv.TLSConfig = http3.ConfigureTLSConfig(tc)
		conn, err := net.ListenPacket("udp", hl.addr)
		if err != nil {
			return fmt.Errorf("listener %q: http3: %w", s.names[hl.tcp], err)
		}
		hl.conn = conn
		port := conn.LocalAddr().(*net.UDPAddr).Port
		// 30 days, as Caddy: the advertisement is only a hint, and a client
		// falls back to TCP on its own when UDP is blocked.
		v := `h3=":` + strconv.Itoa(port) + `"; ma=2592000`
		hl.altSvc.Store(&v)
	}
	for _, hl := range s.h3 {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			name := s.names[hl.tcp]
			s.logger.Info("listening", "listener", name, "protocol", "http3", "addr", hl.conn.LocalAddr().String())
			if err := hl.srv.Serve(hl.conn); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, quic.ErrServerClosed) {
				s.errs <- fmt.Errorf("listener %q: http3: %w", name, err)
			}
		}()
	}
	return nil
}

// closeH3 releases bound UDP sockets after a failed start.
func (s *Server) closeH3() {
	for _, hl := range s.h3 {
		if hl.conn != nil {
			hl.conn.Close()
			hl.conn = nil
		}
	}
}

// shutdownH3 drains HTTP/3 connections (GOAWAY) until ctx ends, then
// closes what is left and the sockets.
func (s *Server) shutdownH3(ctx context.Context) error {
	var errs []error
	for _, hl := range s.h3 {
		if hl.conn == nil {
			continue
		}
		if err := hl.srv.Shutdown(ctx); err != nil {
			hl.srv.Close()
			errs = append(errs, err)
		}
		hl.conn.Close()
	}
	return errors.Join(errs...)
}

// UDPAddr is the bound HTTP/3 address of the named listener, or nil.
func (s *Server) UDPAddr(name string) net.Addr {
	for _, hl := range s.h3 {
		if s.names[hl.tcp] == name && hl.conn != nil {
			return hl.conn.LocalAddr()
		}
	}
	return nil
}

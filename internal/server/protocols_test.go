package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
)

// TestHTTP3NeedsTLS: a listener asking for HTTP/3 without TLS fails to
// start, naming the listener, and leaves no socket bound.
func TestHTTP3NeedsTLS(t *testing.T) {
	l := listener("public", "127.0.0.1:0")
	l.HTTP3.Enabled = true
	l.HTTP3.Addr = "127.0.0.1:0"
	s := New([]config.Listener{l}, func(string) http.Handler { return http.NotFoundHandler() }, quiet)
	err := s.Start()
	if err == nil || !strings.Contains(err.Error(), `listener "public": http3 needs TLS`) {
		t.Fatalf("Start = %v; want the listener named and TLS asked for", err)
	}
	if s.Addr("public") != nil || s.UDPAddr("public") != nil {
		t.Error("sockets left bound after a failed start")
	}
}

// TestProtocolsFromConfig: HTTP/2 limits reach net/http's settings, and
// cleartext HTTP/2 only when asked for.
func TestProtocolsFromConfig(t *testing.T) {
	l := listener("public", "127.0.0.1:0")
	l.HTTP2 = config.HTTP2{MaxConcurrentStreams: 7, InitialStreamWindowBytes: 70000, InitialConnWindowBytes: 80000}
	var hs http.Server
	setProtocols(&hs, l)
	if hs.Protocols != nil {
		t.Errorf("protocols %v; want net/http's default (HTTP/1.1, HTTP/2 over TLS) without h2c", hs.Protocols)
	}
	if c := hs.HTTP2; c.MaxConcurrentStreams != 7 || c.MaxReceiveBufferPerStream != 70000 || c.MaxReceiveBufferPerConnection != 80000 {
		t.Errorf("HTTP2 config %+v; want 7 streams, 70000 and 80000 windows", *c)
	}
	l.HTTP2.H2C = true
	setProtocols(&hs, l)
	if p := hs.Protocols; p == nil || !p.UnencryptedHTTP2() || !p.HTTP1() || !p.HTTP2() {
		t.Errorf("protocols %v; want HTTP/1.1, HTTP/2 and h2c", p)
	}
}

package server

import (
	"crypto/tls"
	"net"
	"net/http"
	"slices"

	"github.com/gatehouse/gatehouse/internal/config"
)

// setProtocols chooses what a listener speaks: HTTP/1.1 always, HTTP/2
// over TLS through ALPN (net/http offers it only on TLS connections), and
// cleartext HTTP/2 with prior knowledge only when the listener opts in.
// Header size is bounded by MaxHeaderBytes, which net/http also applies to
// HTTP/2 header lists, CONTINUATION frames included.
func setProtocols(hs *http.Server, l config.Listener) {
	// Left nil, net/http serves HTTP/1.1 and HTTP/2 over TLS: the
	// default, kept as it is so that plain listeners run exactly
	// net/http's usual HTTP/1.1 path.
	if l.HTTP2.H2C {
		var p http.Protocols
		p.SetHTTP1(true)
		p.SetHTTP2(true)
		p.SetUnencryptedHTTP2(true)
		hs.Protocols = &p
	}
	hs.HTTP2 = &http.HTTP2Config{
		MaxConcurrentStreams:          l.HTTP2.MaxConcurrentStreams,
		MaxReceiveBufferPerStream:     l.HTTP2.InitialStreamWindowBytes,
		MaxReceiveBufferPerConnection: l.HTTP2.InitialConnWindowBytes,
	}
}

// SetTLS makes the named listener a TLS listener with c, which holds its
// certificates; it must be called before Start. HTTP/2 is offered through
// ALPN ahead of HTTP/1.1, as Caddy and Envoy do.
func (s *Server) SetTLS(name string, c *tls.Config) {
	for i, n := range s.names {
		if n != name {
			continue
		}
		c = c.Clone()
		for _, p := range []string{"h2", "http/1.1"} {
			if !slices.Contains(c.NextProtos, p) {
				c.NextProtos = append(c.NextProtos, p)
			}
		}
		s.servers[i].TLSConfig = c
	}
}

// serve runs one listener's accept loop, with TLS when it has a config.
func serve(hs *http.Server, ln net.Listener) error {
	if hs.TLSConfig != nil {
		return hs.ServeTLS(ln, "", "")
	}
	return hs.Serve(ln)
}

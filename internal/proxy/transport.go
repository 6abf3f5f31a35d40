package proxy

import (
	"crypto/tls"
	"net"
	"net/http"
	"os"
	"time"
)

// TransportOptions size a service's connection pool and bound its timeouts.
type TransportOptions struct {
	Connect  time.Duration
	Response time.Duration
	Idle     time.Duration
	MaxIdle  int
	MaxConns int
	// MaxResponseHead bounds a response head (all its 1xx heads
	// included); 0 is DefaultMaxResponseHead.
	MaxResponseHead int64
	// Protocol is "" or "http1", "h2" (HTTP/2 over TLS only) or "h2c"
	// (cleartext HTTP/2 with prior knowledge only).
	Protocol string
	// TLS verifies https targets; nil is the system roots and the
	// target's host name.
	TLS *tls.Config
}

// DefaultMaxResponseHead is the largest response head a service may send
// before the gateway answers 502 instead, as in http.Transport.
const DefaultMaxResponseHead = 1 << 20

func (o TransportOptions) maxHead() int64 {
	if o.MaxResponseHead > 0 {
		return o.MaxResponseHead
	}
	return DefaultMaxResponseHead
}

// NewTransport builds the keep-alive pool of one service. Compression is
// left to the client and upstream: a proxy must not add Accept-Encoding
// and silently decompress.
func NewTransport(o TransportOptions) *http.Transport {
	d := &net.Dialer{Timeout: o.Connect, KeepAlive: 30 * time.Second}
	t := &http.Transport{
		Proxy:                  nil, // never an environment proxy between gateway and service
		DialContext:            d.DialContext,
		TLSHandshakeTimeout:    o.Connect,
		ResponseHeaderTimeout:  o.Response,
		IdleConnTimeout:        o.Idle,
		MaxIdleConns:           0, // bounded per host below
		MaxIdleConnsPerHost:    o.MaxIdle,
		MaxConnsPerHost:        o.MaxConns,
		DisableCompression:     true,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: o.maxHead(),
		WriteBufferSize:        32 << 10,
		ReadBufferSize:         32 << 10,
		TLSClientConfig:        o.TLS,
	}
	// One protocol per service, never a silent downgrade: an h2 service
	// that does not offer h2 in ALPN fails the handshake, as in Envoy.
	var p http.Protocols
	switch o.Protocol {
	case "h2":
		p.SetHTTP2(true)
	case "h2c":
		p.SetUnencryptedHTTP2(true)
	default:
		p.SetHTTP1(true)
	}
	t.Protocols = &p
	return t
}

// Transport is a service's connection pool as the proxy uses it.
type Transport interface {
	http.RoundTripper
	CloseIdleConnections()
	// Close ends the pool for good (its last user is gone).
	Close()
}

// stdTransport is http.Transport as a Transport.
type stdTransport struct{ *http.Transport }

func (t stdTransport) Close() { t.CloseIdleConnections() }

// NewPoolTransport is the transport of one service: the lean HTTP/1.1
// client for plain-http targets over http.Transport for the rest (https,
// upgrades). GATEHOUSE_UPSTREAM_CLIENT=std in the environment sends
// everything through http.Transport: an operator's way out should the
// lean client misbehave with some service, and the reference the
// hostile-service tests compare it with.
func NewPoolTransport(o TransportOptions) Transport {
	std := NewTransport(o)
	// HTTP/2 multiplexes streams on a connection: net/http's client does
	// that well, and the lean client's gain (no goroutine hand-off per
	// HTTP/1 request) does not apply.
	if os.Getenv("GATEHOUSE_UPSTREAM_CLIENT") == "std" || o.Protocol == "h2" || o.Protocol == "h2c" {
		return stdTransport{std}
	}
	return newH1Transport(o, std)
}

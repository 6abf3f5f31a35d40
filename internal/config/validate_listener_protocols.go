package config

// HTTP/2 window limits: RFC 9113 fixes 65535 as the initial window a peer
// may assume, and 2^31-1 as the largest window there is.
const (
	minH2Window = 65535
	maxH2Window = 1<<31 - 1
)

// protocols checks a listener's http2 and http3 settings.
func (v *validator) protocols(l Listener, at Path) {
	h2 := at.Field("http2")
	if n := l.HTTP2.MaxConcurrentStreams; n < 0 {
		v.errorf(h2.Field("max_concurrent_streams"), "must not be negative")
	} else if n > 1<<20 {
		v.errorf(h2.Field("max_concurrent_streams"), "must be at most 1048576")
	}
	v.h2Window(l.HTTP2.InitialStreamWindowBytes, h2.Field("initial_stream_window_bytes"))
	v.h2Window(l.HTTP2.InitialConnWindowBytes, h2.Field("initial_conn_window_bytes"))
	if l.HTTP3.Enabled && l.TLS == nil {
		v.errorf(at.Field("http3").Field("enabled"), "needs the listener's tls")
	}
	if a := l.HTTP3.Addr; a != "" {
		v.listenAddr(a, at.Field("http3").Field("addr"))
	}
}

// h2Window checks a flow-control window size; 0 means the default.
func (v *validator) h2Window(n int, at Path) {
	if n != 0 && (n < minH2Window || n > maxH2Window) {
		v.errorf(at, "must be 0 (default) or from %d to %d", minH2Window, maxH2Window)
	}
}

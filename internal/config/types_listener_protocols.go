package config

// HTTP2 tunes client-facing HTTP/2 on a listener. HTTP/2 is offered
// through ALPN on every TLS listener; on a plain listener only when H2C is
// on. Header size is bounded by the listener's max_header_bytes, the same
// budget as HTTP/1.1 (advertised as SETTINGS_MAX_HEADER_LIST_SIZE).
type HTTP2 struct {
	// H2C accepts cleartext HTTP/2 with prior knowledge on a listener
	// without TLS (the "Upgrade: h2c" dance is never honoured). Default
	// off: only turn it on behind something that speaks it on purpose.
	H2C bool `yaml:"h2c"`
	// MaxConcurrentStreams is how many streams one connection may have
	// open at once (SETTINGS_MAX_CONCURRENT_STREAMS). Default 250.
	MaxConcurrentStreams int `yaml:"max_concurrent_streams"`
	// InitialStreamWindowBytes is each stream's receive window: how much
	// of a request body a client may send before the gateway reads it.
	// Default 1048576 (1 MiB); at least 65535.
	InitialStreamWindowBytes int `yaml:"initial_stream_window_bytes"`
	// InitialConnWindowBytes is the receive window of a whole connection.
	// Default 1048576 (1 MiB); at least 65535.
	InitialConnWindowBytes int `yaml:"initial_conn_window_bytes"`
}

// HTTP3 turns on HTTP/3 (QUIC) beside a TLS listener. Responses over TCP
// then carry Alt-Svc so clients learn they may switch.
type HTTP3 struct {
	// Enabled serves HTTP/3 on UDP. Needs the listener's TLS.
	Enabled bool `yaml:"enabled"`
	// Addr is the UDP host:port. Default: the listener's addr.
	Addr string `yaml:"addr"`
}

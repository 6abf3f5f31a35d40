// Package config turns a YAML (or JSON) file into a typed, validated Config.
//
// Every field is documented where it is declared; docs/configuration.md is the
// user-facing reference and must be kept in step with this file (a test
// checks that it names every field). A zero value means "the default" for
// every field that has one; the defaults are the constants in defaults.go.
package config

import "gopkg.in/yaml.v3"

// Config is the whole declarative gateway configuration.
type Config struct {
	// Listeners are the addresses the gateway serves client traffic on.
	// Default: one listener named "public" on ":8080".
	Listeners []Listener `yaml:"listeners"`
	// Services are the upstreams routes send traffic to.
	Services []Service `yaml:"services"`
	// Routes map requests to services. Order matters only as the final
	// tie-breaker; see docs/routing.md for the priority rules.
	Routes []Route `yaml:"routes"`
	// Consumers are the named identities authentication policies resolve
	// requests to; see types_consumers.go.
	Consumers []Consumer `yaml:"consumers"`
	// Paths controls how request paths are normalised before routing.
	Paths PathOptions `yaml:"paths"`
	// StripHeaders are request headers removed from every request before
	// routing, on every route: headers some services act on that no
	// client should set, such as X-Original-URL and X-Rewrite-URL.
	StripHeaders []string `yaml:"strip_headers"`
	// AccessLog configures the one-line-per-request JSON log.
	AccessLog AccessLog `yaml:"access_log"`
	// Admin configures the admin API listener.
	Admin Admin `yaml:"admin"`
	// Tracing configures OpenTelemetry tracing (off by default).
	Tracing Tracing `yaml:"tracing"`
	// Proxy holds gateway-wide limits of the proxy.
	Proxy ProxyOptions `yaml:"proxy"`
	// Policies apply to every route unless a service or route sets a policy
	// of the same name.
	Policies Policies `yaml:"policies"`

	// index records where each path was written, so that errors found
	// after decoding (validation, policy settings) can still point at a
	// line and column. Set by Parse; nil for a Config built in code.
	index positions
}

// Listener is one address the gateway accepts client connections on.
type Listener struct {
	// Name identifies the listener in logs. Default: "public" for the first,
	// "listener-N" (N its index) for any other.
	Name string `yaml:"name"`
	// Addr is host:port to bind, e.g. ":8080" or "127.0.0.1:8080". Required.
	Addr string `yaml:"addr"`
	// TrustedProxies are CIDRs (or single IPs) whose X-Forwarded-* headers
	// are believed. From any other peer those headers are replaced.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// Timeouts bound how long a client may take.
	Timeouts ServerTimeouts `yaml:"timeouts"`
	// MaxHeaderBytes caps the size of request headers. Default 65536 (64 KiB).
	MaxHeaderBytes int `yaml:"max_header_bytes"`
	// MaxHeaderCount caps the number of request header lines. Default 100.
	MaxHeaderCount int `yaml:"max_header_count"`
	// HealthPath answers 200 on this listener without proxying. Default
	// "/health"; set "off" to disable.
	HealthPath string `yaml:"health_path"`
	// DrainTimeout is how long in-flight requests may run after a shutdown
	// signal. Default 30s.
	DrainTimeout Duration `yaml:"drain_timeout"`
	// TLS makes the listener serve HTTPS; see types_tls.go. Default: plain
	// HTTP.
	TLS *ListenerTLS `yaml:"tls"`
	// HTTP2 tunes client-facing HTTP/2; see types_listener_protocols.go.
	HTTP2 HTTP2 `yaml:"http2"`
	// HTTP3 serves HTTP/3 over QUIC beside a TLS listener.
	HTTP3 HTTP3 `yaml:"http3"`
}

// ServerTimeouts are the client-side timeouts of a listener.
type ServerTimeouts struct {
	// ReadHeader bounds reading the request line and headers. Default 10s.
	ReadHeader Duration `yaml:"read_header"`
	// Read bounds reading the whole request, body included. Default 60s.
	Read Duration `yaml:"read"`
	// Write bounds writing the response. Default 60s. Streaming responses
	// (SSE, chunked without length) and upgraded connections are exempt.
	Write Duration `yaml:"write"`
	// Idle bounds how long a keep-alive connection waits for the next
	// request. Default 120s.
	Idle Duration `yaml:"idle"`
}

// Service is one upstream: a set of targets sharing timeouts and a pool.
type Service struct {
	// Name is referenced by routes. Required, unique.
	Name string `yaml:"name"`
	// Targets are the upstream instances. At least one.
	Targets []Target `yaml:"targets"`
	// Protocol is how the gateway speaks to the targets: "http1" (the
	// default), "h2" (HTTP/2 over TLS, https targets) or "h2c" (cleartext
	// HTTP/2 with prior knowledge, http targets). gRPC services need h2
	// or h2c.
	Protocol string `yaml:"protocol"`
	// TLS verifies the service's https targets and may present a client
	// certificate. Default: system roots, the target's host name, TLS 1.2.
	TLS *UpstreamTLS `yaml:"tls"`
	// Timeouts towards the upstream.
	Timeouts UpstreamTimeouts `yaml:"timeouts"`
	// Pool sizes the keep-alive connection pool.
	Pool Pool `yaml:"pool"`
	// Balance is the load-balancing algorithm: round_robin (smooth
	// weighted, the default), least_requests, random or consistent_hash.
	Balance string `yaml:"balance"`
	// HashOn says what consistent_hash hashes (balance: consistent_hash only).
	HashOn HashOn `yaml:"hash_on"`
	// DNSRefresh re-resolves http targets named by host name this often
	// and balances over every address found (A and AAAA). Default 0: off.
	DNSRefresh Duration `yaml:"dns_refresh"`
	// HealthCheck turns on active health checks. Default: off.
	HealthCheck *HealthCheck `yaml:"health_check"`
	// OutlierDetection turns on passive health checks. Default: off.
	OutlierDetection *OutlierDetection `yaml:"outlier_detection"`
	// CircuitBreaker turns on the service's circuit breaker. Default: off.
	CircuitBreaker *CircuitBreaker `yaml:"circuit_breaker"`
	// Retries is the retry policy of the service's routes (a route may set
	// its own). Default: no retries.
	Retries *Retries `yaml:"retries"`
	// RetryBudget caps the retries in flight to the service.
	RetryBudget RetryBudget `yaml:"retry_budget"`
	// MaxConcurrent caps the requests in flight to the service; beyond it
	// the gateway answers 503 at once. Default 0: no cap.
	MaxConcurrent int `yaml:"max_concurrent"`
	// MaxResponseHeaderBytes caps a response head from the service (its
	// informational 1xx heads included); past it the client gets 502.
	// Default 1048576 (1 MiB).
	MaxResponseHeaderBytes int `yaml:"max_response_header_bytes"`
	// Policies apply to every route of this service unless the route sets
	// a policy of the same name.
	Policies Policies `yaml:"policies"`
}

// Target is one upstream instance.
type Target struct {
	// URL is scheme://host:port[/base-path]; scheme http or https. Required.
	URL string `yaml:"url"`
	// Weight is the share of traffic relative to the other targets. Default 1;
	// 0 (or unset) also means 1, so a target cannot be weighted out.
	Weight int `yaml:"weight"`
}

// UpstreamTimeouts bound the gateway's calls to a service.
type UpstreamTimeouts struct {
	// Connect bounds establishing a TCP (and TLS) connection. Default 5s.
	Connect Duration `yaml:"connect"`
	// Response bounds the wait for the response headers once the request is
	// sent. Default 30s. Past it the client gets 504.
	Response Duration `yaml:"response"`
	// Idle closes pooled connections unused for this long. Default 4s:
	// below the keep-alive timeouts services commonly use (Node 5s), so the
	// gateway closes an idle connection before the service does.
	Idle Duration `yaml:"idle"`
}

// Pool sizes a service's keep-alive connections.
type Pool struct {
	// MaxIdle is the number of idle keep-alive connections kept per target.
	// Default 256.
	MaxIdle int `yaml:"max_idle"`
	// MaxConns caps all connections (idle and active) per target; 0 means no
	// cap. Default 0.
	MaxConns int `yaml:"max_conns"`
}

// Route sends matching requests to a service.
type Route struct {
	// Name identifies the route in logs and metrics. Default "route-N" (N its
	// zero-based index, as in routes[N]). Unique.
	Name string `yaml:"name"`
	// Match says which requests this route takes.
	Match Match `yaml:"match"`
	// Service is the name of the service to proxy to. Required.
	Service string `yaml:"service"`
	// StripPrefix removes this prefix from the path before proxying. It must
	// be a prefix of the route's path_prefix (or exact path).
	StripPrefix string `yaml:"strip_prefix"`
	// Rewrite replaces the whole path before proxying; {name} is replaced by
	// the named capture of a path_regex match. Exclusive with strip_prefix.
	Rewrite string `yaml:"rewrite"`
	// PreserveHost sends the client's Host header upstream instead of the
	// target's host. Default false.
	PreserveHost bool `yaml:"preserve_host"`
	// Timeouts bound this route's tries, on top of the service's timeouts.
	Timeouts RouteTimeouts `yaml:"timeouts"`
	// Retries replaces the service's retry policy for this route.
	Retries *Retries `yaml:"retries"`
	// Fallback is sent instead of an error when the service cannot answer.
	Fallback *Fallback `yaml:"fallback"`
	// BufferRequestBytes reads a request body of up to this many bytes
	// before the service is contacted, so a slow upload holds no
	// connection to it (nginx's proxy_request_buffering); a longer body
	// streams after what was read. Default 0: bodies stream.
	BufferRequestBytes int `yaml:"buffer_request_bytes"`
	// GRPCWeb translates gRPC-Web requests (binary and text) into gRPC
	// for the service and its answers back. Default false.
	GRPCWeb bool `yaml:"grpc_web"`
	// Policies apply to this route only and override service and global
	// policies of the same name.
	Policies Policies `yaml:"policies"`
}

// Match is the conditions of a route; all given conditions must hold.
type Match struct {
	// Hosts are exact host names or wildcards like "*.example.com" (matches
	// any subdomain, not the bare domain). Empty: any host.
	Hosts []string `yaml:"hosts"`
	// Path matches the normalised path exactly.
	Path string `yaml:"path"`
	// PathPrefix matches the path and everything under it, at segment
	// boundaries: "/api" matches "/api" and "/api/x" but not "/apix".
	PathPrefix string `yaml:"path_prefix"`
	// PathRegex is an RE2 expression matched against the whole path (it is
	// anchored for you). Named groups become captures for rewrite.
	PathRegex string `yaml:"path_regex"`
	// Methods limits the route to these HTTP methods. Empty: any method.
	Methods []string `yaml:"methods"`
	// Headers must all match.
	Headers []ValueMatch `yaml:"headers"`
	// Query parameters must all match.
	Query []ValueMatch `yaml:"query"`
}

// ValueMatch matches one header or query parameter by name. Exactly one of
// Value, Regex or Present is given.
type ValueMatch struct {
	// Name of the header (case-insensitive) or query parameter (exact).
	Name string `yaml:"name"`
	// Value must equal the request's value exactly.
	Value string `yaml:"value"`
	// Regex must match the request's value (RE2, unanchored).
	Regex string `yaml:"regex"`
	// Present: true requires the name to be present, false absent.
	Present *bool `yaml:"present"`
}

// PathOptions controls path normalisation.
type PathOptions struct {
	// EncodedSeparators is what to do with %2F, %5C and %2E in a path:
	// "reject" (400, the default) or "decode" (decode, then normalise).
	EncodedSeparators string `yaml:"encoded_separators"`
}

// AccessLog configures the access log. Read at start: a change needs a
// restart.
type AccessLog struct {
	// Output is "stdout" (default), "stderr", "off", a file path, or an
	// http(s):// URL of a collector that takes batches of JSON lines.
	Output string `yaml:"output"`
	// MaxSizeMB rotates a file output when it would grow past this many
	// megabytes. Default 100.
	MaxSizeMB int `yaml:"max_size_mb"`
	// MaxBackups is how many rotated files (FILE.1 newest … FILE.N) are
	// kept. Default 5.
	MaxBackups int `yaml:"max_backups"`
	// BatchSize is the most lines one POST to a collector carries.
	// Default 500.
	BatchSize int `yaml:"batch_size"`
	// FlushInterval is the longest a line waits before it is sent to a
	// collector. Default 1s.
	FlushInterval Duration `yaml:"flush_interval"`
	// QueueSize bounds the lines waiting for a collector; past it lines are
	// dropped and counted (gateway_access_log_dropped_total), never
	// blocking a request. Default 10000.
	QueueSize int `yaml:"queue_size"`
}

// Policies maps a policy name to its settings, kept undecoded so that the
// policy's own Spec decodes (and validates) it later with exact positions.
type Policies map[string]RawPolicy

// RawPolicy is one policy's settings as written, with where it was written.
type RawPolicy struct {
	// Path is the config path of the settings, e.g. routes[0].policies.jwt.
	Path Path
	// Node is the YAML node of the settings.
	Node *yaml.Node
}

// ProxyOptions are gateway-wide limits of the proxy.
type ProxyOptions struct {
	// BodyMemoryBytes caps the request bodies held in memory at once, for
	// retries (replay buffers) and request buffering, across all routes.
	// Past it a request streams its body and cannot be retried. Default
	// 268435456 (256 MiB).
	BodyMemoryBytes int `yaml:"body_memory_bytes"`
}

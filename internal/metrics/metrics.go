// Package metrics holds the gateway's Prometheus metrics on one registry,
// served at /metrics on the admin listener. Labels are bounded: route,
// service and consumer names come from the config (never raw paths), and
// methods outside the standard set are reported as "OTHER".
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Registry is what /metrics serves: the gateway's metrics plus Go runtime
// and process metrics.
var Registry = prometheus.NewRegistry()

var (
	// RequestsTotal counts finished client requests.
	RequestsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gateway_requests_total",
		Help: "Client requests handled, by method, route and status code.",
	}, []string{"method", "route", "status_code"})

	// RequestDuration is the whole time a request spent in the gateway.
	RequestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "gateway_request_duration_seconds",
		Help:    "Time from request received to response written, by method and route.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"method", "route"})

	// UpstreamDuration is the time to the upstream's response headers.
	UpstreamDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "gateway_upstream_duration_seconds",
		Help:    "Time from sending to an upstream to its response headers, by service.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"service"})

	// ActiveConnections is the number of open client connections.
	ActiveConnections = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "gateway_active_connections",
		Help: "Open client connections on all listeners.",
	})

	// RateLimitExceeded counts requests refused with 429.
	RateLimitExceeded = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gateway_rate_limit_exceeded_total",
		Help: "Requests refused by rate limiting, by consumer and route.",
	}, []string{"consumer", "route"})

	// RateLimitStoreUp is 1 while a shared rate-limit store answers.
	RateLimitStoreUp = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "gateway_rate_limit_store_up",
		Help: "1 when the shared rate-limit store (Redis) answers, 0 while it is down.",
	}, []string{"store"})

	// UpstreamTargetHealthy is 1 for a target in rotation, 0 when out.
	UpstreamTargetHealthy = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "gateway_upstream_target_healthy",
		Help: "1 when the target is in rotation, 0 when health checks or outlier detection took it out.",
	}, []string{"service", "target"})

	// CircuitBreakerState is 0 closed, 1 half-open, 2 open.
	CircuitBreakerState = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "gateway_circuit_breaker_state",
		Help: "Circuit breaker state per service: 0 closed, 1 half-open, 2 open.",
	}, []string{"service"})

	// UpstreamRetries counts retried upstream attempts.
	UpstreamRetries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gateway_upstream_retries_total",
		Help: "Upstream attempts that were retries, by service.",
	}, []string{"service"})

	// UpstreamFailures counts tries that failed through the service's
	// fault (no connection, a reset or garbage, a timeout). A try cut by
	// the client (a malformed or stalled body, a client that left) is not
	// counted: it says nothing of the service.
	UpstreamFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gateway_upstream_failures_total",
		Help: "Upstream tries that failed through the service's fault, by service and kind.",
	}, []string{"service", "kind"})

	// CompressionBytes counts response bytes through the compress policy:
	// "in" as the service sent them, "out" as encoded for the client.
	CompressionBytes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gateway_compression_bytes_total",
		Help: "Response bytes compressed, by coding and direction (in: from the service, out: to the client).",
	}, []string{"coding", "direction"})

	// CacheEvents counts what the response cache did per request: hit,
	// miss, stale (served stale), revalidated (a 304 refreshed an entry),
	// coalesced (waited for another request's answer), stored.
	CacheEvents = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gateway_cache_events_total",
		Help: "Response cache events, by kind: hit, miss, stale, revalidated, coalesced, stored, evicted.",
	}, []string{"event"})
	// GRPCRequests counts finished gRPC and gRPC-Web calls by the
	// grpc-status their client got, by name (OK, UNAVAILABLE ...): a call
	// answered HTTP 200 may still have failed.
	GRPCRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gateway_grpc_requests_total",
		Help: "Finished gRPC calls by route and the gRPC status sent to the client.",
	}, []string{"route", "grpc_code"})

	// AccessLogDropped counts access log lines dropped because the
	// collector queue was full.
	AccessLogDropped = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "gateway_access_log_dropped_total",
		Help: "Access log lines dropped because the collector queue was full or a batch could not be delivered.",
	})

	// DeprecatedAPICalls counts calls to API versions marked deprecated,
	// so their remaining users can be found before the sunset.
	DeprecatedAPICalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gateway_deprecated_api_calls_total",
		Help: "Calls to deprecated API versions, by route, version and consumer (\"anonymous\" when none).",
	}, []string{"route", "version", "consumer"})

	// ConfigReloads counts reload attempts by result (success, error, unchanged).
	ConfigReloads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gateway_config_reload_total",
		Help: "Config reloads by result.",
	}, []string{"result"})
)

func init() {
	Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		RequestsTotal, RequestDuration, UpstreamDuration, ActiveConnections,
		RateLimitExceeded, RateLimitStoreUp, UpstreamTargetHealthy,
		CircuitBreakerState, UpstreamRetries, UpstreamFailures, CompressionBytes, CacheEvents, ConfigReloads, AccessLogDropped,
		DeprecatedAPICalls, GRPCRequests,
	)
}

// Method bounds the method label to the standard methods.
func Method(m string) string {
	switch m {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE":
		return m
	}
	return "OTHER"
}

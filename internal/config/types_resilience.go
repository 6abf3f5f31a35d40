package config

import "time"

// HashOn says what a consistent_hash service hashes to pick a target.
type HashOn struct {
	// Source is "client_ip" (the default), "header" or "cookie".
	Source string `yaml:"source"`
	// Name is the header or cookie name; required for those sources. A
	// request without it falls back to its client IP.
	Name string `yaml:"name"`
	// BalanceFactor bounds a target's load to this percentage of the mean
	// in-flight load (consistent hashing with bounded loads), so one hot
	// key cannot overload a target. At least 100. Default 125.
	BalanceFactor int `yaml:"balance_factor"`
}

// HealthCheck configures active health checks: the gateway requests Path
// on every target each Interval.
type HealthCheck struct {
	// Type is "http" (the default: GET Path) or "grpc" (the gRPC health
	// checking protocol's Check; the service needs protocol h2 or h2c).
	Type string `yaml:"type"`
	// Path is requested with GET, e.g. "/healthz". Required for http.
	Path string `yaml:"path"`
	// Service is the name sent in a grpc check; empty asks about the
	// server as a whole.
	Service string `yaml:"service"`
	// Interval between two checks of a target. Default 10s.
	Interval Duration `yaml:"interval"`
	// Timeout bounds one check; no answer in time is a failure. Default 2s.
	Timeout Duration `yaml:"timeout"`
	// HealthyThreshold successes in a row put a target back. Default 2.
	HealthyThreshold int `yaml:"healthy_threshold"`
	// UnhealthyThreshold failures in a row take a target out. Default 3.
	UnhealthyThreshold int `yaml:"unhealthy_threshold"`
	// ExpectedStatuses are the status codes that count as healthy.
	// Default: any 2xx.
	ExpectedStatuses []int `yaml:"expected_statuses"`
}

// OutlierDetection configures passive health: targets that keep failing
// real requests are ejected for a while.
type OutlierDetection struct {
	// ConsecutiveFailures (connect failures, timeouts and 5xx answers in a
	// row) eject a target. Default 5.
	ConsecutiveFailures int `yaml:"consecutive_failures"`
	// BaseEjectionTime is the first ejection's length; the n-th ejection
	// in a row lasts n times as long. Default 30s.
	BaseEjectionTime Duration `yaml:"base_ejection_time"`
	// MaxEjectionTime caps an ejection's length. Default 300s.
	MaxEjectionTime Duration `yaml:"max_ejection_time"`
	// MaxEjectionPercent caps the share of targets ejected at once; one
	// target may always be ejected. 1 to 100. Default 10.
	MaxEjectionPercent int `yaml:"max_ejection_percent"`
}

// CircuitBreaker configures a service's breaker: after too many failures
// it opens and requests fail fast with 503 without reaching the service.
type CircuitBreaker struct {
	// ConsecutiveFailures in a row open the breaker. Default 5 (when
	// failure_rate is not set either).
	ConsecutiveFailures int `yaml:"consecutive_failures"`
	// FailureRate opens the breaker when at least this percentage of the
	// requests in Window failed. 1 to 100; unset: off.
	FailureRate int `yaml:"failure_rate"`
	// Window is the sliding window of FailureRate. Default 10s.
	Window Duration `yaml:"window"`
	// MinRequests in Window before FailureRate is judged. Default 20.
	MinRequests int `yaml:"min_requests"`
	// OpenDuration is how long the breaker stays open before it lets
	// probes through (half-open). Default 30s.
	OpenDuration Duration `yaml:"open_duration"`
	// HalfOpenRequests is how many probes may run at once when half-open;
	// that many successes close the breaker, one failure opens it again.
	// Default 1.
	HalfOpenRequests int `yaml:"half_open_requests"`
}

// Retries is a retry policy, set on a service (for all its routes) or on
// a route (replacing the service's).
type Retries struct {
	// Attempts is the most tries of a request, the first included.
	// Default 2.
	Attempts int `yaml:"attempts"`
	// PerTryTimeout bounds each try until response headers arrive; a try
	// that times out may be retried. Default: none (the route's and
	// service's timeouts still apply).
	PerTryTimeout Duration `yaml:"per_try_timeout"`
	// RetryOn lists when to retry, as in Envoy: "connect-failure" (the
	// request never reached the service; any method), "reset" (the
	// connection failed after sending), "timeout" (per-try timeout),
	// "retriable-status-codes" (a status in retriable_statuses),
	// "gateway-error" (502, 503, 504) and "5xx". Default: connect-failure,
	// reset, timeout, retriable-status-codes.
	RetryOn []string `yaml:"retry_on"`
	// RetriableStatuses are retried when retry_on has
	// retriable-status-codes. Default [502, 503, 504].
	RetriableStatuses []int `yaml:"retriable_statuses"`
	// Methods may be retried once the request was sent (all of retry_on
	// but connect-failure). Default [GET, HEAD, OPTIONS, PUT, DELETE].
	Methods []string `yaml:"methods"`
	// Backoff spaces the tries.
	Backoff Backoff `yaml:"backoff"`
	// ReplayBufferBytes is the largest request body kept so a retry can
	// send it again; a larger body is streamed and its request not
	// retried. Default 65536.
	ReplayBufferBytes int `yaml:"replay_buffer_bytes"`
}

// Backoff is exponential backoff with full jitter between tries.
type Backoff struct {
	// Base is the first retry's maximum wait; it doubles per retry.
	// Default 25ms.
	Base Duration `yaml:"base"`
	// Max caps the wait. Default 10 times base.
	Max Duration `yaml:"max"`
}

// RetryBudget keeps retries a share of a service's live requests, so that
// retries cannot multiply an outage.
type RetryBudget struct {
	// Percent of the requests in flight that may be retries. Default 20.
	Percent int `yaml:"percent"`
	// MinConcurrency retries may always run at once. Default 3.
	MinConcurrency int `yaml:"min_concurrency"`
}

// RouteTimeouts bound a route's calls to its service, on top of the
// service's timeouts: where both apply, the shorter wins.
type RouteTimeouts struct {
	// Connect bounds getting a connection to a target, per try.
	Connect Duration `yaml:"connect"`
	// ResponseHeader bounds the wait for response headers once connected,
	// per try.
	ResponseHeader Duration `yaml:"response_header"`
	// Overall bounds the whole exchange up to the response headers: all
	// tries and the waits between them.
	Overall Duration `yaml:"overall"`
}

// Fallback is the response a route sends when its service cannot answer:
// no target in rotation, the circuit breaker open, the service at its
// max_concurrent, or every try failed without a response.
type Fallback struct {
	// Status of the response. Default 503.
	Status int `yaml:"status"`
	// Headers are set on the response. Content-Type defaults to
	// application/json when the body starts with "{" or "[", else text/plain.
	Headers map[string]string `yaml:"headers"`
	// Body of the response, e.g. {"error": "Checkout temporarily unavailable, try again"}.
	Body string `yaml:"body"`
}

// Resilience defaults, quoted by docs/configuration.md.
const (
	DefaultBalance              = "round_robin"
	DefaultHashSource           = "client_ip"
	DefaultBalanceFactor        = 125
	DefaultHealthInterval       = Duration(10 * time.Second)
	DefaultHealthTimeout        = Duration(2 * time.Second)
	DefaultHealthyThreshold     = 2
	DefaultUnhealthyThreshold   = 3
	DefaultOutlierFailures      = 5
	DefaultBaseEjectionTime     = Duration(30 * time.Second)
	DefaultMaxEjectionTime      = Duration(300 * time.Second)
	DefaultMaxEjectionPercent   = 10
	DefaultBreakerFailures      = 5
	DefaultBreakerWindow        = Duration(10 * time.Second)
	DefaultBreakerMinRequests   = 20
	DefaultBreakerOpenDuration  = Duration(30 * time.Second)
	DefaultHalfOpenRequests     = 1
	DefaultRetryAttempts        = 2
	DefaultBackoffBase          = Duration(25 * time.Millisecond)
	DefaultReplayBufferBytes    = 65536
	DefaultRetryBudgetPercent   = 20
	DefaultRetryMinConcurrency  = 3
	DefaultFallbackStatus       = 503
	RetryOnConnectFailure       = "connect-failure"
	RetryOnReset                = "reset"
	RetryOnTimeout              = "timeout"
	RetryOnRetriableStatusCodes = "retriable-status-codes"
	RetryOnGatewayError         = "gateway-error"
	RetryOn5xx                  = "5xx"
	HashSourceClientIP          = "client_ip"
	HashSourceHeader            = "header"
	HashSourceCookie            = "cookie"
	maxReplayBufferBytes        = 64 << 20
	defaultBackoffMaxMultiplier = 10
)

// Default lists (a const cannot hold a slice).
var (
	DefaultRetryOn           = []string{RetryOnConnectFailure, RetryOnReset, RetryOnTimeout, RetryOnRetriableStatusCodes}
	DefaultRetriableStatuses = []int{502, 503, 504}
	DefaultRetryMethods      = []string{"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}
	// BalanceAlgorithms and RetryOnConditions are the accepted values.
	BalanceAlgorithms = []string{"round_robin", "least_requests", "random", "consistent_hash"}
	RetryOnConditions = []string{RetryOnConnectFailure, RetryOnReset, RetryOnTimeout, RetryOnRetriableStatusCodes, RetryOnGatewayError, RetryOn5xx}
	HashSources       = []string{HashSourceClientIP, HashSourceHeader, HashSourceCookie}
)

// WithDefaults returns r with every unset field at its default.
func (r Retries) WithDefaults() Retries {
	if r.Attempts == 0 {
		r.Attempts = DefaultRetryAttempts
	}
	if len(r.RetryOn) == 0 {
		r.RetryOn = DefaultRetryOn
	}
	if len(r.RetriableStatuses) == 0 {
		r.RetriableStatuses = DefaultRetriableStatuses
	}
	if len(r.Methods) == 0 {
		r.Methods = DefaultRetryMethods
	}
	if r.Backoff.Base == 0 {
		r.Backoff.Base = DefaultBackoffBase
	}
	if r.Backoff.Max == 0 {
		r.Backoff.Max = r.Backoff.Base * defaultBackoffMaxMultiplier
	}
	if r.ReplayBufferBytes == 0 {
		r.ReplayBufferBytes = DefaultReplayBufferBytes
	}
	return r
}

// WithDefaults returns h with every unset field at its default.
func (h HealthCheck) WithDefaults() HealthCheck {
	setDuration(&h.Interval, DefaultHealthInterval)
	setDuration(&h.Timeout, DefaultHealthTimeout)
	setInt(&h.HealthyThreshold, DefaultHealthyThreshold)
	setInt(&h.UnhealthyThreshold, DefaultUnhealthyThreshold)
	return h
}

// WithDefaults returns o with every unset field at its default.
func (o OutlierDetection) WithDefaults() OutlierDetection {
	setInt(&o.ConsecutiveFailures, DefaultOutlierFailures)
	setDuration(&o.BaseEjectionTime, DefaultBaseEjectionTime)
	setDuration(&o.MaxEjectionTime, DefaultMaxEjectionTime)
	setInt(&o.MaxEjectionPercent, DefaultMaxEjectionPercent)
	return o
}

// WithDefaults returns b with every unset field at its default.
func (b CircuitBreaker) WithDefaults() CircuitBreaker {
	if b.ConsecutiveFailures == 0 && b.FailureRate == 0 {
		b.ConsecutiveFailures = DefaultBreakerFailures
	}
	setDuration(&b.Window, DefaultBreakerWindow)
	setInt(&b.MinRequests, DefaultBreakerMinRequests)
	setDuration(&b.OpenDuration, DefaultBreakerOpenDuration)
	setInt(&b.HalfOpenRequests, DefaultHalfOpenRequests)
	return b
}

// WithDefaults returns b with every unset field at its default.
func (b RetryBudget) WithDefaults() RetryBudget {
	setInt(&b.Percent, DefaultRetryBudgetPercent)
	setInt(&b.MinConcurrency, DefaultRetryMinConcurrency)
	return b
}

// WithDefaults returns h with every unset field at its default.
func (h HashOn) WithDefaults() HashOn {
	setString(&h.Source, DefaultHashSource)
	setInt(&h.BalanceFactor, DefaultBalanceFactor)
	return h
}

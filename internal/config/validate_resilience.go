package config

import (
	"golang.org/x/net/http/httpguts"
	"maps"
	"slices"
	"strings"
)

// serviceResilience checks a service's balancing, health, breaker, retry
// and bulkhead settings.
func (v *validator) serviceResilience(s Service, at Path) {
	if s.Balance != "" && !contains(BalanceAlgorithms, s.Balance) {
		v.errorf(at.Field("balance"), "must be one of %s, got %q%s", strings.Join(BalanceAlgorithms, ", "), s.Balance, Suggest(s.Balance, BalanceAlgorithms))
	}
	v.hashOn(s, at.Field("hash_on"))
	v.nonNegativeDuration(s.DNSRefresh, at.Field("dns_refresh"))
	if h := s.HealthCheck; h != nil {
		v.healthCheck(*h, at.Field("health_check"))
	}
	if o := s.OutlierDetection; o != nil {
		v.outlierDetection(*o, at.Field("outlier_detection"))
	}
	if b := s.CircuitBreaker; b != nil {
		v.circuitBreaker(*b, at.Field("circuit_breaker"))
	}
	if r := s.Retries; r != nil {
		v.retries(*r, at.Field("retries"))
	}
	b := at.Field("retry_budget")
	v.percent(s.RetryBudget.Percent, b.Field("percent"))
	v.nonNegative(s.RetryBudget.MinConcurrency, b.Field("min_concurrency"))
	v.nonNegative(s.MaxConcurrent, at.Field("max_concurrent"))
}

func (v *validator) hashOn(s Service, at Path) {
	h := s.HashOn
	if _, written := v.c.index[at]; !written && h == (HashOn{}) {
		return
	}
	if s.Balance != "consistent_hash" {
		v.errorf(at, `only applies to balance: consistent_hash (balance is %q)`, or(s.Balance, DefaultBalance))
		return
	}
	switch h.Source {
	case "", HashSourceClientIP:
		if h.Name != "" {
			v.errorf(at.Field("name"), "only applies to source header or cookie")
		}
	case HashSourceHeader, HashSourceCookie:
		if h.Name == "" {
			v.errorf(at.Field("name"), "required for source %q", h.Source)
		} else if h.Source == HashSourceHeader && RequestHeaderProblem(h.Name) != "" {
			v.errorf(at.Field("name"), "%s", RequestHeaderProblem(h.Name))
		} else if !httpguts.ValidHeaderFieldName(h.Name) {
			v.errorf(at.Field("name"), "invalid %s name %q", h.Source, h.Name)
		}
	default:
		v.errorf(at.Field("source"), "must be one of %s, got %q%s", strings.Join(HashSources, ", "), h.Source, Suggest(h.Source, HashSources))
	}
	if h.BalanceFactor != 0 && h.BalanceFactor < 100 {
		v.errorf(at.Field("balance_factor"), "must be at least 100 (percent of the mean load), got %d", h.BalanceFactor)
	}
}

func (v *validator) healthCheck(h HealthCheck, at Path) {
	switch {
	case h.Type == HealthCheckGRPC:
		v.grpcHealthCheck(h, at)
	case h.Type != "" && h.Type != HealthCheckHTTP:
		v.errorf(at.Field("type"), `must be "http" or "grpc", got %q`, h.Type)
	case h.Service != "":
		v.errorf(at.Field("service"), `only for type "grpc"`)
	case h.Path == "":
		v.errorf(at.Field("path"), "required")
	case !strings.HasPrefix(h.Path, "/"):
		v.errorf(at.Field("path"), `must start with "/"`)
	}
	v.nonNegativeDuration(h.Interval, at.Field("interval"))
	v.nonNegativeDuration(h.Timeout, at.Field("timeout"))
	if eff := h.WithDefaults(); h.Timeout > 0 && eff.Timeout > eff.Interval {
		v.errorf(at.Field("timeout"), "must not exceed interval (%s)", eff.Interval)
	}
	v.nonNegative(h.HealthyThreshold, at.Field("healthy_threshold"))
	v.nonNegative(h.UnhealthyThreshold, at.Field("unhealthy_threshold"))
	v.statuses(h.ExpectedStatuses, at.Field("expected_statuses"))
}

func (v *validator) outlierDetection(o OutlierDetection, at Path) {
	v.nonNegative(o.ConsecutiveFailures, at.Field("consecutive_failures"))
	v.nonNegativeDuration(o.BaseEjectionTime, at.Field("base_ejection_time"))
	v.nonNegativeDuration(o.MaxEjectionTime, at.Field("max_ejection_time"))
	if eff := o.WithDefaults(); o.MaxEjectionTime > 0 && eff.MaxEjectionTime < eff.BaseEjectionTime {
		v.errorf(at.Field("max_ejection_time"), "must not be less than base_ejection_time (%s)", eff.BaseEjectionTime)
	}
	v.percent(o.MaxEjectionPercent, at.Field("max_ejection_percent"))
}

func (v *validator) circuitBreaker(b CircuitBreaker, at Path) {
	v.nonNegative(b.ConsecutiveFailures, at.Field("consecutive_failures"))
	v.percent(b.FailureRate, at.Field("failure_rate"))
	v.nonNegativeDuration(b.Window, at.Field("window"))
	v.nonNegative(b.MinRequests, at.Field("min_requests"))
	v.nonNegativeDuration(b.OpenDuration, at.Field("open_duration"))
	v.nonNegative(b.HalfOpenRequests, at.Field("half_open_requests"))
}

// maxAttempts keeps a typo from turning one request into a storm.
const maxAttempts = 10

func (v *validator) retries(r Retries, at Path) {
	switch {
	case r.Attempts < 0:
		v.errorf(at.Field("attempts"), "must not be negative")
	case r.Attempts > maxAttempts:
		v.errorf(at.Field("attempts"), "must be at most %d, got %d", maxAttempts, r.Attempts)
	}
	v.nonNegativeDuration(r.PerTryTimeout, at.Field("per_try_timeout"))
	for i, c := range r.RetryOn {
		if !contains(RetryOnConditions, c) {
			v.errorf(at.Field("retry_on").Index(i), "must be one of %s, got %q%s", strings.Join(RetryOnConditions, ", "), c, Suggest(c, RetryOnConditions))
		}
	}
	v.statuses(r.RetriableStatuses, at.Field("retriable_statuses"))
	for i, m := range r.Methods {
		if !httpguts.ValidHeaderFieldName(m) {
			v.errorf(at.Field("methods").Index(i), "invalid method %q", m)
		}
	}
	b := at.Field("backoff")
	v.nonNegativeDuration(r.Backoff.Base, b.Field("base"))
	v.nonNegativeDuration(r.Backoff.Max, b.Field("max"))
	if r.Backoff.Max > 0 && r.Backoff.Max < r.WithDefaults().Backoff.Base {
		v.errorf(b.Field("max"), "must not be less than base (%s)", r.WithDefaults().Backoff.Base)
	}
	switch n := r.ReplayBufferBytes; {
	case n < 0:
		v.errorf(at.Field("replay_buffer_bytes"), "must not be negative")
	case n > maxReplayBufferBytes:
		v.errorf(at.Field("replay_buffer_bytes"), "must be at most %d (64 MiB), got %d", maxReplayBufferBytes, n)
	}
}

// routeResilience checks a route's timeouts, retries and fallback.
func (v *validator) routeResilience(r Route, at Path) {
	t := at.Field("timeouts")
	v.nonNegativeDuration(r.Timeouts.Connect, t.Field("connect"))
	v.nonNegativeDuration(r.Timeouts.ResponseHeader, t.Field("response_header"))
	v.nonNegativeDuration(r.Timeouts.Overall, t.Field("overall"))
	if r.Retries != nil {
		v.retries(*r.Retries, at.Field("retries"))
	}
	if f := r.Fallback; f != nil {
		fa := at.Field("fallback")
		if f.Status != 0 && (f.Status < 200 || f.Status > 599) {
			v.errorf(fa.Field("status"), "must be a status from 200 to 599, got %d", f.Status)
		}
		for _, name := range slices.Sorted(maps.Keys(f.Headers)) {
			val := f.Headers[name]
			if !httpguts.ValidHeaderFieldName(name) {
				v.errorf(fa.Field("headers").Field(name), "invalid header name %q", name)
			} else if strings.ContainsAny(val, "\r\n\x00") {
				v.errorf(fa.Field("headers").Field(name), "header value must not contain CR, LF or NUL")
			}
		}
	}
}

func (v *validator) percent(n int, at Path) {
	if n < 0 || n > 100 {
		v.errorf(at, "must be a percentage from 0 to 100, got %d", n)
	}
}

func (v *validator) statuses(list []int, at Path) {
	for i, s := range list {
		if s < 100 || s > 599 {
			v.errorf(at.Index(i), "must be a status from 100 to 599, got %d", s)
		}
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

package runtime

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/proxy"
	"github.com/gatehouse/gatehouse/internal/upstream"
)

// upstreamSettings turns a service's config into Settings, defaults applied.
func upstreamSettings(s config.Service) upstream.Settings {
	out := upstream.Settings{
		Service:       s.Name,
		Algorithm:     s.Balance,
		DNSRefresh:    s.DNSRefresh.D(),
		MaxConcurrent: s.MaxConcurrent,
	}
	if out.Algorithm == "" {
		out.Algorithm = config.DefaultBalance
	}
	out.LoadFactor = s.HashOn.WithDefaults().BalanceFactor
	b := s.RetryBudget.WithDefaults()
	out.RetryBudgetPercent, out.RetryMinConcurrency = b.Percent, b.MinConcurrency
	if h := s.HealthCheck; h != nil {
		d := h.WithDefaults()
		out.Health = &upstream.HealthSettings{
			Path: d.Path, Interval: d.Interval.D(), Timeout: d.Timeout.D(),
			HealthyThreshold: d.HealthyThreshold, UnhealthyThreshold: d.UnhealthyThreshold,
			ExpectedStatuses: d.ExpectedStatuses,
			GRPC:             d.Type == config.HealthCheckGRPC, GRPCService: d.Service,
		}
	}
	if o := s.OutlierDetection; o != nil {
		d := o.WithDefaults()
		out.Outlier = &upstream.OutlierSettings{
			ConsecutiveFailures: d.ConsecutiveFailures, BaseEjection: d.BaseEjectionTime.D(),
			MaxEjection: d.MaxEjectionTime.D(), MaxEjectedPercent: d.MaxEjectionPercent,
		}
	}
	if c := s.CircuitBreaker; c != nil {
		d := c.WithDefaults()
		out.Breaker = &upstream.BreakerSettings{
			ConsecutiveFailures: d.ConsecutiveFailures, FailureRatePercent: d.FailureRate,
			Window: d.Window.D(), MinRequests: d.MinRequests, OpenFor: d.OpenDuration.D(),
			HalfOpenProbes: d.HalfOpenRequests,
		}
	}
	return out
}

// upstreamStateKey names a service's upstream in the state pool: the service name
// and a hash of everything its state depends on (targets, balancing,
// health, outlier, breaker, bulkhead and budget settings). Timeouts, pool
// sizes and policies are left out: changing them keeps the state.
func upstreamStateKey(s config.Service) string {
	b, err := json.Marshal(struct {
		Targets  []config.Target
		Settings upstream.Settings
		HashOn   config.HashOn
		Protocol string
		TLS      *config.UpstreamTLS
	}{s.Targets, upstreamSettings(s), s.HashOn, s.Protocol, s.TLS})
	if err != nil {
		panic("runtime: upstream state key: " + err.Error()) // only plain data is marshalled
	}
	sum := sha256.Sum256(b)
	return "upstream|service=" + s.Name + "|" + hex.EncodeToString(sum[:8])
}

// buildTargets parses a service's configured targets.
func buildTargets(s config.Service) ([]*upstream.Target, error) {
	out := make([]*upstream.Target, 0, len(s.Targets))
	for _, tc := range s.Targets {
		t, err := upstream.ParseTarget(tc.URL, tc.Weight)
		if err != nil {
			return nil, fmt.Errorf("target %q: %w", tc.URL, err)
		}
		out = append(out, t)
	}
	return out, nil
}

// retryPolicy compiles a retry policy; nil config means no retries.
func retryPolicy(r *config.Retries) *upstream.RetryPolicy {
	if r == nil {
		return upstream.NoRetries
	}
	d := r.WithDefaults()
	p := &upstream.RetryPolicy{
		Attempts:    d.Attempts,
		PerTry:      d.PerTryTimeout.D(),
		Backoff:     upstream.Backoff{Base: d.Backoff.Base.D(), Max: d.Backoff.Max.D()},
		ReplayLimit: int64(d.ReplayBufferBytes),
	}
	for _, c := range d.RetryOn {
		switch c {
		case config.RetryOnConnectFailure:
			p.OnConnectFailure = true
		case config.RetryOnReset:
			p.OnReset = true
		case config.RetryOnTimeout:
			p.OnTimeout = true
		case config.RetryOnRetriableStatusCodes:
			for _, s := range d.RetriableStatuses {
				p.SetStatus(s)
			}
		case config.RetryOnGatewayError:
			p.SetStatus(502)
			p.SetStatus(503)
			p.SetStatus(504)
		case config.RetryOn5xx:
			for s := 500; s < 600; s++ {
				p.SetStatus(s)
			}
		}
	}
	ms := make([]string, len(d.Methods))
	for i, m := range d.Methods {
		ms[i] = strings.ToUpper(m)
	}
	p.SetMethods(ms)
	return p
}

// healthTransport is the connection pool of a service's health checks:
// the protocol and TLS settings of its requests, one idle connection.
func healthTransport(o proxy.TransportOptions) http.RoundTripper {
	o.MaxIdle, o.MaxConns = 1, 0
	return proxy.NewTransport(o)
}

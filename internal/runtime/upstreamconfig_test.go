package runtime

import (
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/upstream"
)

func TestUpstreamStateKey(t *testing.T) {
	base := config.Service{Name: "orders", Targets: []config.Target{{URL: "http://a:1"}}}
	k := upstreamStateKey(base)
	same := base
	same.Timeouts.Connect = config.Duration(time.Second)
	if upstreamStateKey(same) != k {
		t.Error("a timeout change must keep the upstream state")
	}
	other := base
	other.Targets = []config.Target{{URL: "http://a:1"}, {URL: "http://b:1"}}
	if upstreamStateKey(other) == k {
		t.Error("a target change must give a new key")
	}
	hc := base
	hc.HealthCheck = &config.HealthCheck{Path: "/h"}
	if upstreamStateKey(hc) == k {
		t.Error("a health check change must give a new key")
	}
}

func TestRetryPolicy(t *testing.T) {
	p := retryPolicy(&config.Retries{RetryOn: []string{"connect-failure", "gateway-error"}, Methods: []string{"get"}})
	if p.Attempts != 2 || !p.OnConnectFailure || p.OnReset || !p.RetryStatus(503) || p.RetryStatus(500) {
		t.Fatalf("policy = %+v; want attempts 2, connect-failure, 502-504 only", p)
	}
	if !p.RetryMethod("GET") || p.RetryMethod("POST") {
		t.Fatal("methods not upper-cased or not honoured")
	}
	if retryPolicy(nil).Attempts != 1 {
		t.Fatal("no retries block must mean one attempt")
	}
}

func TestShouldRetry(t *testing.T) {
	p := retryPolicy(&config.Retries{})
	tests := []struct {
		method  string
		failure upstream.Failure
		status  int
		want    bool
	}{
		{"POST", upstream.ConnectFailure, 0, true},
		{"POST", upstream.Reset, 0, false},
		{"POST", upstream.Timeout, 0, false},
		{"POST", upstream.NoFailure, 503, false},
		{"GET", upstream.Reset, 0, true},
		{"PUT", upstream.Timeout, 0, true},
		{"DELETE", upstream.NoFailure, 502, true},
		{"GET", upstream.NoFailure, 500, false},
		{"GET", upstream.NoFailure, 200, false},
		{"PATCH", upstream.NoFailure, 503, false},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			if got := p.ShouldRetry(tt.method, tt.failure, tt.status); got != tt.want {
				t.Errorf("ShouldRetry(%s, %v, %d) = %v; want %v", tt.method, tt.failure, tt.status, got, tt.want)
			}
		})
	}
}

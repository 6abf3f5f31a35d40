package e2e

import (
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/metrics"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	testpb "google.golang.org/grpc/interop/grpc_testing"
)

// TestGRPCHealthCheck: a target whose gRPC health service says
// NOT_SERVING for the configured service leaves rotation, and comes back
// when it says SERVING again.
func TestGRPCHealthCheck(t *testing.T) {
	good, bad := startGRPCBackend(t, "good"), startGRPCBackend(t, "bad")
	const svc = "grpc.testing.TestService"
	good.health.SetServingStatus(svc, healthpb.HealthCheckResponse_SERVING)
	bad.health.SetServingStatus(svc, healthpb.HealthCheckResponse_NOT_SERVING)
	g := startGateway(t, `
services:
  - name: hc
    protocol: h2c
    targets: [{url: "http://${GOOD}"}, {url: "http://${BAD}"}]
    health_check: {type: grpc, service: `+svc+`, interval: 50ms, timeout: 50ms, healthy_threshold: 1, unhealthy_threshold: 1}
routes:
  - {match: {path_prefix: /grpc.testing.TestService/}, service: hc}
`, map[string]string{"GOOD": good.addr, "BAD": bad.addr})
	healthy := func(addr string) float64 {
		return gauge(t, metrics.UpstreamTargetHealthy.WithLabelValues("hc", "http://"+addr))
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for end := time.Now().Add(5 * time.Second); !cond(); {
			if time.Now().After(end) {
				t.Fatalf("%s: not within 5s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor("NOT_SERVING target out", func() bool { return healthy(bad.addr) == 0 })
	if healthy(good.addr) != 1 {
		t.Fatalf("SERVING target out of rotation")
	}
	c := dialGRPC(t, serveH2C(t, g))
	for i := range 10 {
		res, err := c.UnaryCall(callCtx(t), &testpb.SimpleRequest{})
		if err != nil || res.GetUsername() != "good" {
			t.Fatalf("call %d: %v from %q; want good", i, err, res.GetUsername())
		}
	}
	bad.health.SetServingStatus(svc, healthpb.HealthCheckResponse_SERVING)
	waitFor("SERVING target back", func() bool { return healthy(bad.addr) == 1 })

	// A target that is no gRPC server at all fails the check.
	plain := startH2CHTTP(t)
	startGateway(t, `
services:
  - name: hc2
    protocol: h2c
    targets: [{url: "http://${PLAIN}"}]
    health_check: {type: grpc, interval: 50ms, timeout: 50ms, unhealthy_threshold: 1}
routes:
  - {match: {path_prefix: /}, service: hc2}
`, map[string]string{"PLAIN": plain})
	waitFor("non-gRPC target out", func() bool {
		return gauge(t, metrics.UpstreamTargetHealthy.WithLabelValues("hc2", "http://"+plain)) == 0
	})
}

// startH2CHTTP is a plain HTTP service speaking h2c, answering with the
// protocol it got.
func startH2CHTTP(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	s := &http.Server{Protocols: &p, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, r.Proto)
	})}
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	return ln.Addr().String()
}

// TestH2CService: a plain HTTP service over cleartext HTTP/2, reached by
// an HTTP/1.1 client.
func TestH2CService(t *testing.T) {
	g := startGateway(t, `
services:
  - {name: s, protocol: h2c, targets: [{url: "http://${UP}"}]}
routes:
  - {match: {path_prefix: /}, service: s}
`, map[string]string{"UP": startH2CHTTP(t)})
	for range 3 {
		res, body := g.do(http.MethodGet, "/x", nil)
		if res.StatusCode != http.StatusOK || body != "HTTP/2.0" {
			t.Fatalf("%d %q; want 200 HTTP/2.0", res.StatusCode, body)
		}
	}
}

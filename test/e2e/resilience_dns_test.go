package e2e

import (
	"net/url"
	"testing"

	"github.com/gatehouse/gatehouse/internal/metrics"
)

// TestDNSTarget names a target by host name: it is resolved to its
// addresses, traffic goes to the address, and the upstream still sees the
// name in Host.
func TestDNSTarget(t *testing.T) {
	u := echoServer(t, "dns")
	parsed, err := url.Parse(u.URL)
	if err != nil {
		t.Fatal(err)
	}
	named := "http://localhost:" + parsed.Port()
	// localhost may also resolve to ::1, where nothing listens: a
	// refused connection is retried on the other address.
	g := startGateway(t, `
services:
  - name: dnssvc
    targets: [{url: "${NAMED}"}]
    dns_refresh: 1m
    retries: {attempts: 2, backoff: {base: 1ms}}
routes:
  - {name: all, match: {path_prefix: /}, service: dnssvc}
`, map[string]string{"NAMED": named})
	for range 4 {
		resp, body := g.do("GET", "/x", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d (%s); want 200", resp.StatusCode, body)
		}
		if s := parseSeen(t, body); s.Host != "localhost:"+parsed.Port() {
			t.Fatalf("upstream Host = %q; want the configured name %q", s.Host, "localhost:"+parsed.Port())
		}
	}
	if v := gauge(t, metrics.UpstreamTargetHealthy.WithLabelValues("dnssvc", "http://127.0.0.1:"+parsed.Port())); v != 1 {
		t.Fatalf("resolved target gauge = %v; want 1 (the name expanded to 127.0.0.1)", v)
	}
}

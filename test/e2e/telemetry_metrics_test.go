package e2e

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/gatehouse/gatehouse/internal/metrics"
)

// series returns the gathered samples of one metric family.
func series(t *testing.T, name string) []*dto.Metric {
	t.Helper()
	fams, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == name {
			return f.GetMetric()
		}
	}
	return nil
}

func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

func TestRequestMetrics(t *testing.T) {
	up := echoServer(t, "echo")
	g := startGateway(t, `
services:
  - name: metrics-svc
    targets: [{url: "${UP}"}]
routes:
  - name: metrics-route
    match: {path_prefix: /metrics-test}
    service: metrics-svc
`, map[string]string{"UP": up.URL})
	// The registry is process-wide: measure what this test adds.
	countsBefore, histBefore, upBefore := routeCounts(t)
	seriesBefore := len(series(t, "gateway_requests_total"))
	for range 3 {
		g.do("GET", "/metrics-test/a", nil)
	}
	g.do("POST", "/metrics-test/b", strings.NewReader("x"))
	g.do("BREW", "/metrics-test/c", nil)
	// Random paths that match no route must not become label values.
	for range 1000 {
		g.do("GET", fmt.Sprintf("/random-%d/%d", rand.IntN(1<<30), rand.IntN(1<<30)), nil)
	}

	want := map[string]float64{"GET 200": 3, "POST 200": 1, "OTHER 200": 1}
	got, hist, upHist := routeCounts(t)
	for k, v := range want {
		if got[k]-countsBefore[k] != v {
			t.Errorf("gateway_requests_total{route=metrics-route} %s grew by %v; want %v", k, got[k]-countsBefore[k], v)
		}
	}
	// The registry is shared by every test of the package: what matters is
	// that this test's 1005 requests added a handful of series, not 1000.
	if n := len(series(t, "gateway_requests_total")) - seriesBefore; n > 10 {
		t.Errorf("%d new request series after 1000 random paths; labels are not bounded", n)
	}
	if hist-histBefore != 5 || upHist-upBefore != 5 {
		t.Errorf("duration samples: request %d, upstream %d; want 5 and 5", hist-histBefore, upHist-upBefore)
	}
	active := series(t, "gateway_active_connections")
	if len(active) != 1 || active[0].GetGauge().GetValue() < 1 {
		t.Errorf("gateway_active_connections = %v; want >= 1 with a keep-alive connection open", active)
	}
}

func TestAccessLogConsumerAndNoQuery(t *testing.T) {
	up := echoServer(t, "echo")
	g := startGateway(t, `
services:
  - name: s
    targets: [{url: "${UP}"}]
routes:
  - name: r
    match: {path_prefix: /}
    service: s
    policies:
      key_auth: {}
consumers:
  - name: shop-frontend
    api_keys: [{key: k-123456}]
`, map[string]string{"UP": up.URL})
	resp, _ := g.do("GET", "/x?token=secret-in-query", nil, "X-API-Key", "k-123456")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	waitFor(t, "access log line", func() bool { return strings.Contains(g.logs.String(), "shop-frontend") })
	line := g.logs.lines(t)[0]
	if line["consumer"] != "shop-frontend" {
		t.Fatalf("consumer = %v; want shop-frontend", line["consumer"])
	}
	if strings.Contains(g.logs.String(), "secret-in-query") || strings.Contains(g.logs.String(), "k-123456") {
		t.Fatalf("access log holds a credential: %s", g.logs.String())
	}
}

// routeCounts reads this test's series: requests by "METHOD CODE", and the
// request and upstream histogram sample counts. It also fails on any raw
// path used as a route label.
func routeCounts(t *testing.T) (map[string]float64, uint64, uint64) {
	t.Helper()
	got := map[string]float64{}
	for _, m := range series(t, "gateway_requests_total") {
		l := labels(m)
		if strings.Contains(l["route"], "random-") {
			t.Fatalf("raw path leaked into a label: %v", l)
		}
		if l["route"] == "metrics-route" {
			got[l["method"]+" "+l["status_code"]] = m.GetCounter().GetValue()
		}
	}
	var hist, upHist uint64
	for _, m := range series(t, "gateway_request_duration_seconds") {
		if labels(m)["route"] == "metrics-route" {
			hist += m.GetHistogram().GetSampleCount()
		}
	}
	for _, m := range series(t, "gateway_upstream_duration_seconds") {
		if labels(m)["service"] == "metrics-svc" {
			upHist += m.GetHistogram().GetSampleCount()
		}
	}
	return got, hist, upHist
}

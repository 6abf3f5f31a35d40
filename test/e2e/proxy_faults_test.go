package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/metrics"
)

// failuresOf sums gateway_upstream_failures_total over every kind for one
// service.
func failuresOf(t *testing.T, service string) float64 {
	t.Helper()
	var sum float64
	for _, m := range series(t, "gateway_upstream_failures_total") {
		if labels(m)["service"] == service {
			sum += m.GetCounter().GetValue()
		}
	}
	return sum
}

// TestClientFaultsDoNotOpenBreaker: uploads the client breaks (an invalid
// chunk size) are answered 400 and count against nobody: the breaker stays
// closed, the target is not ejected and the service's failure counter does
// not move.
func TestClientFaultsDoNotOpenBreaker(t *testing.T) {
	svc := newBackend(t, "svc")
	// early answers every request as soon as its head is in, without
	// reading the body, and keeps the connection.
	early := rawService(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		for {
			if _, err := http.ReadRequest(br); err != nil {
				return
			}
			if writeText(c, http.StatusOK, "answered before reading") != nil {
				return
			}
		}
	})
	g := startGateway(t, `
services:
  - name: clientfault
    targets: [{url: "${SVC}"}]
    circuit_breaker: {consecutive_failures: 3, open_duration: 30s}
    outlier_detection: {consecutive_failures: 3, base_ejection_time: 30s}
  - name: clientfault-early
    targets: [{url: "${EARLY}"}]
routes:
  - {name: early, match: {path_prefix: /early}, service: clientfault-early}
  - {name: all, match: {path_prefix: /}, service: clientfault}
`, map[string]string{"SVC": svc.URL, "EARLY": early})
	before := failuresOf(t, "clientfault")

	for i := range 5 {
		// A good first chunk, so the request is under way at the service
		// when the broken size line arrives.
		resp, body := rawDo(t, g.addr, "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"+
			"5\r\nhello\r\nzz\r\nmore\r\n0\r\n\r\n")
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("broken upload %d: status %d %q; want 400", i, resp.StatusCode, body)
		}
		if e := parseError(t, body); e.Status != http.StatusBadRequest {
			t.Fatalf("broken upload %d: error body %+v; want status 400", i, e)
		}
	}
	if svc.hits.Load() == 0 {
		t.Fatal("no broken upload reached the service; the test proves nothing")
	}
	if s := gauge(t, metrics.CircuitBreakerState.WithLabelValues("clientfault")); s != 0 {
		t.Errorf("breaker state = %v after client faults; want 0 (closed)", s)
	}
	resp, body := g.do("GET", "/after", nil)
	if resp.StatusCode != 200 || body != "svc:" {
		t.Fatalf("GET after the broken uploads: %d %q; want the service's 200 (breaker closed, target in rotation)", resp.StatusCode, body)
	}
	if got := failuresOf(t, "clientfault") - before; got != 0 {
		t.Errorf("gateway_upstream_failures_total{service=clientfault} rose by %v; want 0 for client faults", got)
	}

	// A broken body is the client's fault whatever the service does: an
	// answer the service sent before the break was noticed is the answer
	// to a request the gateway never finished sending. (A Content-Length
	// body cut short is answered 400 in the same situation.)
	t.Run("service answering before reading the body", func(t *testing.T) {
		for i := range 3 {
			resp, body := rawDo(t, g.addr, "POST /early HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"+
				"5\r\nhello\r\nzz\r\nmore\r\n0\r\n\r\n")
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("broken chunked upload %d: status %d %q; want 400", i, resp.StatusCode, body)
			}
		}
	})
}

// TestUploadCutByReadTimeoutAnswers408: an upload that stalls past the
// listener's read timeout is answered 408, not passed on as a success or
// blamed on the service, and the access log says 408.
func TestUploadCutByReadTimeoutAnswers408(t *testing.T) {
	svc := newBackend(t, "svc")
	g := startGateway(t, `
listeners:
  - name: public
    addr: "127.0.0.1:0"
    timeouts: {read: 500ms}
services:
  - name: slowupload
    targets: [{url: "${SVC}"}]
routes:
  - {name: all, match: {path_prefix: /}, service: slowupload}
`, vars(svc))

	c, err := net.DialTimeout("tcp", g.addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(4 * time.Second))
	if _, err := io.WriteString(c, "POST /upload HTTP/1.1\r\nHost: x\r\nX-Request-ID: stalled-upload-1\r\nContent-Length: 1000\r\n\r\n0123456789"); err != nil {
		t.Fatal(err)
	}
	// Stall: the rest of the body never comes.
	resp, body := readRawResponse(t, bufio.NewReader(c))
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("stalled upload: status %d %q; want 408", resp.StatusCode, body)
	}
	parseError(t, body)

	var line map[string]any
	waitFor(t, "the access log line of the stalled upload", func() bool {
		for _, l := range g.logs.lines(t) {
			if l["request_id"] == "stalled-upload-1" {
				line = l
				return true
			}
		}
		return false
	})
	if st, _ := line["status"].(float64); st != http.StatusRequestTimeout {
		t.Errorf("access log status = %v; want 408 (line %v)", line["status"], line)
	}
}

// TestPostOnConnectionServiceClosedWhileIdle: the service closes a
// keep-alive connection while it sits in the gateway's pool; a POST
// after that must go out on a live connection and get the service's
// answer, not a 502 from writing to the dead one.
func TestPostOnConnectionServiceClosedWhileIdle(t *testing.T) {
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s", r.Method, b)
	}))
	s.Config.IdleTimeout = 100 * time.Millisecond
	s.Start()
	t.Cleanup(s.Close)
	g := startGateway(t, `
services:
  - name: idleclose
    targets: [{url: "${UP}"}]
    timeouts: {idle: 30s}
routes:
  - {name: all, match: {path_prefix: /}, service: idleclose}
`, map[string]string{"UP": s.URL})

	for i := range 3 {
		if resp, body := g.do("GET", "/warm", nil); resp.StatusCode != 200 || body != "GET " {
			t.Fatalf("round %d: GET: %d %q; want 200", i, resp.StatusCode, body)
		}
		// The service closes the pooled connection after 100ms idle.
		time.Sleep(300 * time.Millisecond)
		payload := fmt.Sprintf("order-%d-%s", i, strings.Repeat("x", 512))
		resp, body := g.do("POST", "/orders", strings.NewReader(payload))
		if resp.StatusCode != 200 || body != "POST "+payload {
			t.Fatalf("round %d: POST after the service closed the idle connection: %d %q; want 200 with the body echoed",
				i, resp.StatusCode, body)
		}
	}
}

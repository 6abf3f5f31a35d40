package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/tracecontext"
)

// TestGatewayHeadersSurviveConnectionList: a client that names the
// gateway's own headers in Connection strips only its copies; the service
// still gets the X-Request-ID the client is told, the gateway's
// X-Forwarded-For and a valid traceparent.
func TestGatewayHeadersSurviveConnectionList(t *testing.T) {
	up := echoServer(t, "echo")
	g := startGateway(t, `
services:
  - name: owned
    targets: [{url: "${UP}"}]
routes:
  - {name: all, match: {path_prefix: /}, service: owned}
`, map[string]string{"UP": up.URL})

	resp, body := rawDo(t, g.addr, "GET /owned HTTP/1.1\r\nHost: x\r\n"+
		"Connection: X-Request-ID, X-Forwarded-For, Traceparent\r\n"+
		"X-Request-ID: client-chosen-id\r\n"+
		"X-Forwarded-For: 203.0.113.7\r\n"+
		"Traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n"+
		"Connection: close\r\n\r\n")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d %q; want 200", resp.StatusCode, body)
	}
	s := parseSeen(t, body)
	h := http.Header(s.Header)

	id := resp.Header.Get("X-Request-Id")
	if id == "" {
		t.Fatal("the response has no X-Request-ID")
	}
	if got := h.Values("X-Request-Id"); len(got) != 1 || got[0] != id {
		t.Errorf("service got X-Request-ID %q; want exactly the client's response id %q", got, id)
	}
	if xff := h.Get("X-Forwarded-For"); !strings.Contains(xff, "127.0.0.1") || strings.Contains(xff, "203.0.113.7") {
		t.Errorf("service got X-Forwarded-For %q; want the peer 127.0.0.1 and not the client's value", xff)
	}
	tps := h.Values("Traceparent")
	if len(tps) != 1 {
		t.Fatalf("service got traceparent %q; want exactly one", tps)
	}
	if _, ok := tracecontext.Parse(tps[0]); !ok {
		t.Errorf("service got traceparent %q; want a valid one", tps[0])
	}
	if c := h.Get("Connection"); c != "" {
		t.Errorf("service got Connection %q; want none", c)
	}
}

// TestTraceContextWithoutExporter: with no tracing configured the gateway
// still continues W3C trace context: a valid traceparent keeps its trace
// id and flags under a new parent id, with tracestate kept, and the access
// log names the trace; a missing or malformed one starts a new trace and
// drops tracestate.
func TestTraceContextWithoutExporter(t *testing.T) {
	up := echoServer(t, "echo")
	g := startGateway(t, `
services:
  - name: traced
    targets: [{url: "${UP}"}]
routes:
  - {name: all, match: {path_prefix: /}, service: traced}
`, map[string]string{"UP": up.URL})

	const (
		clientTrace  = "4bf92f3577b34da6a3ce929d0e0e4736"
		clientParent = "00f067aa0ba902b7"
	)
	// send makes one request and returns what the service got and the
	// access log's trace_id for it.
	send := func(t *testing.T, id string, hdr ...string) (tracecontext.Parent, http.Header, string) {
		t.Helper()
		resp, body := g.do("GET", "/trace", nil, append([]string{"X-Request-ID", id}, hdr...)...)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d %q; want 200", resp.StatusCode, body)
		}
		h := http.Header(parseSeen(t, body).Header)
		tps := h.Values("Traceparent")
		if len(tps) != 1 {
			t.Fatalf("service got traceparent %q; want exactly one", tps)
		}
		if len(tps[0]) != 55 || !strings.HasPrefix(tps[0], "00-") {
			t.Fatalf("service got traceparent %q; want 55 characters, version 00", tps[0])
		}
		p, ok := tracecontext.Parse(tps[0])
		if !ok {
			t.Fatalf("service got an invalid traceparent %q", tps[0])
		}
		var logged string
		waitFor(t, "the access log line", func() bool {
			for _, l := range g.logs.lines(t) {
				if l["request_id"] == id {
					logged, _ = l["trace_id"].(string)
					return true
				}
			}
			return false
		})
		return p, h, logged
	}

	t.Run("valid traceparent is continued", func(t *testing.T) {
		p, h, logged := send(t, "trace-valid",
			"Traceparent", "00-"+clientTrace+"-"+clientParent+"-01", "Tracestate", "v=1")
		if p.TraceIDString() != clientTrace {
			t.Errorf("trace id %s; want the client's %s", p.TraceIDString(), clientTrace)
		}
		if strings.Contains(h.Get("Traceparent"), clientParent) {
			t.Errorf("traceparent %q keeps the client's parent id; want the gateway's", h.Get("Traceparent"))
		}
		if p.Flags != 0x01 {
			t.Errorf("flags %02x; want 01", p.Flags)
		}
		if ts := h.Values("Tracestate"); len(ts) != 1 || ts[0] != "v=1" {
			t.Errorf("tracestate %q; want v=1 kept", ts)
		}
		if logged != clientTrace {
			t.Errorf("access log trace_id %q; want %s", logged, clientTrace)
		}
	})
	t.Run("no traceparent starts a trace", func(t *testing.T) {
		p, h, logged := send(t, "trace-none")
		if p.TraceIDString() == clientTrace {
			t.Error("a request without traceparent got the fixed test trace id")
		}
		if ts := h.Values("Tracestate"); len(ts) != 0 {
			t.Errorf("tracestate %q; want none", ts)
		}
		if logged != p.TraceIDString() {
			t.Errorf("access log trace_id %q; want the new trace %s", logged, p.TraceIDString())
		}
	})
	t.Run("tracestate alone is dropped", func(t *testing.T) {
		_, h, _ := send(t, "trace-state-only", "Tracestate", "v=1")
		if ts := h.Values("Tracestate"); len(ts) != 0 {
			t.Errorf("tracestate %q without a traceparent; want none", ts)
		}
	})
	for _, c := range []struct{ name, bad string }{
		{"uppercase", "00-" + strings.ToUpper(clientTrace) + "-" + clientParent + "-01"},
		{"zero-trace-id", "00-00000000000000000000000000000000-" + clientParent + "-01"},
		{"version-00-with-extra", "00-" + clientTrace + "-" + clientParent + "-01-extra"},
		{"garbage", "garbage"},
	} {
		bad := c.bad
		t.Run("malformed "+c.name, func(t *testing.T) {
			p, h, logged := send(t, "trace-bad-"+c.name, "Traceparent", bad, "Tracestate", "v=1")
			if got := h.Get("Traceparent"); got == bad {
				t.Fatalf("malformed traceparent %q passed through unchanged", bad)
			}
			if p.TraceIDString() == clientTrace || p.TraceIDString() == strings.Repeat("0", 32) {
				t.Errorf("trace id %s taken from the malformed traceparent; want a new trace", p.TraceIDString())
			}
			if ts := h.Values("Tracestate"); len(ts) != 0 {
				t.Errorf("tracestate %q kept with a malformed traceparent; want it dropped", ts)
			}
			if logged != p.TraceIDString() {
				t.Errorf("access log trace_id %q; want the new trace %s", logged, p.TraceIDString())
			}
		})
	}
}

// TestExplainAgreesWithServing: a header the client names in Connection is
// gone before routing, so a route matching on it does not take the
// request; explain, given the same request, picks the same route.
func TestExplainAgreesWithServing(t *testing.T) {
	gold, std := echoServer(t, "gold"), echoServer(t, "standard")
	g := startGateway(t, `
services:
  - name: gold
    targets: [{url: "${GOLD}"}]
  - name: standard
    targets: [{url: "${STD}"}]
routes:
  - name: gold-tier
    match:
      path_prefix: /tier
      headers: [{name: X-Tier, value: gold}]
    service: gold
  - name: any-tier
    match: {path_prefix: /tier}
    service: standard
`, map[string]string{"GOLD": gold.URL, "STD": std.URL})

	served := func(t *testing.T, connection string) string {
		t.Helper()
		req := "GET /tier/x HTTP/1.1\r\nHost: x\r\nX-Tier: gold\r\n"
		if connection != "" {
			req += "Connection: " + connection + "\r\n"
		}
		resp, body := rawDo(t, g.addr, req+"Connection: close\r\n\r\n")
		if resp.StatusCode != 200 {
			t.Fatalf("status %d %q; want 200", resp.StatusCode, body)
		}
		return parseSeen(t, body).Name
	}
	explained := func(t *testing.T, connection string) string {
		t.Helper()
		req, err := http.NewRequest("GET", "http://x/tier/x", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Tier", "gold")
		if connection != "" {
			req.Header.Set("Connection", connection)
		}
		ex := g.g.Runtime().Explain("public", req)
		if ex.Chosen == nil {
			t.Fatalf("explain chose no route (status %d)", ex.Status)
		}
		if req.Header.Get("X-Tier") != "gold" {
			t.Error("explain changed the caller's request")
		}
		return ex.Chosen.Service
	}

	t.Run("X-Tier sent plainly", func(t *testing.T) {
		if got := served(t, ""); got != "gold" {
			t.Fatalf("served by %q; want gold (the header route)", got)
		}
		if got := explained(t, ""); got != "gold" {
			t.Fatalf("explain chose %q; want gold", got)
		}
	})
	t.Run("X-Tier named in Connection", func(t *testing.T) {
		if got := served(t, "X-Tier"); got != "standard" {
			t.Fatalf("served by %q; want standard (X-Tier is hop-by-hop here)", got)
		}
		if got := explained(t, "X-Tier"); got != "standard" {
			t.Fatalf("explain chose %q; want standard, as serving did", got)
		}
	})
}

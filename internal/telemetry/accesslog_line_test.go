package telemetry

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// logOne writes one access log line and returns it decoded and raw.
func logOne(t *testing.T, target string, st *pipeline.State, status int, bytes int64) (map[string]any, string) {
	t.Helper()
	var buf strings.Builder
	a := NewAccessLog(&buf, nil)
	r := httptest.NewRequest("POST", target, nil)
	r.Host = "api.test"
	a.Log(r, st, status, bytes)
	raw := buf.String()
	if strings.Count(raw, "\n") != 1 || !strings.HasSuffix(raw, "\n") {
		t.Fatalf("wrote %q; want exactly one line", raw)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatalf("line %q is not JSON: %v", raw, err)
	}
	return m, raw
}

func sortedFields(m map[string]any) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestAccessLogLineFields(t *testing.T) {
	base := []string{"bytes_sent", "host", "latency", "level", "method", "msg", "path", "remote_addr",
		"request_id", "route", "service", "status", "timestamp", "upstream_latency"}
	cases := []struct {
		name   string
		target string
		st     pipeline.State
		status int
		bytes  int64
		want   map[string]any // exact values of these fields
		extra  []string       // fields beyond base
	}{
		{"proxied", "/api/orders?token=secret-value",
			pipeline.State{RequestID: "rid-1", ClientIP: "198.51.100.7", Path: "/api/orders", Route: "orders", Service: "orders-svc",
				UpstreamLatency: 1500 * time.Microsecond},
			200, 1234,
			map[string]any{"request_id": "rid-1", "remote_addr": "198.51.100.7", "method": "POST", "host": "api.test",
				"path": "/api/orders", "route": "orders", "service": "orders-svc", "status": float64(200),
				"upstream_latency": 1.5, "bytes_sent": float64(1234), "msg": "request", "level": "INFO"},
			nil},
		{"no route: empty route and service, raw path", "/nowhere",
			pipeline.State{RequestID: "rid-2", ClientIP: "127.0.0.1"},
			404, 80,
			map[string]any{"path": "/nowhere", "route": "", "service": "", "status": float64(404), "upstream_latency": float64(0)},
			nil},
		{"client gone carries the error", "/api/slow",
			pipeline.State{RequestID: "rid-3", Path: "/api/slow", Route: "r", Service: "s", Err: errors.New("client disconnected")},
			499, 0,
			map[string]any{"status": float64(499), "bytes_sent": float64(0), "error": "client disconnected"},
			[]string{"error"}},
		{"consumer and trace", "/x",
			pipeline.State{Path: "/x", Consumer: &pipeline.Consumer{Name: "shop"}, TraceID: "4bf92f3577b34da6a3ce929d0e0e4736"},
			200, 1,
			map[string]any{"consumer": "shop", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736"},
			[]string{"consumer", "trace_id"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := time.Now()
			c.st.Start = before.Add(-20 * time.Millisecond)
			m, raw := logOne(t, c.target, &c.st, c.status, c.bytes)
			want := append(append([]string(nil), base...), c.extra...)
			sort.Strings(want)
			if got := sortedFields(m); !reflect.DeepEqual(got, want) {
				t.Fatalf("fields %v; want %v", got, want)
			}
			for k, v := range c.want {
				if m[k] != v {
					t.Errorf("%s = %#v; want %#v", k, m[k], v)
				}
			}
			ts, err := time.Parse(time.RFC3339Nano, m["timestamp"].(string))
			if err != nil {
				t.Fatalf("timestamp %v: %v", m["timestamp"], err)
			}
			// The handler writes milliseconds; the line is written between
			// before and now.
			if after := time.Now(); ts.Before(before.Truncate(time.Millisecond)) || ts.After(after) {
				t.Errorf("timestamp %v; want between %v and %v", ts, before, after)
			}
			// Latency is measured from State.Start, in milliseconds.
			if lat, _ := m["latency"].(float64); lat < 20 {
				t.Errorf("latency %v ms; want at least the 20 ms since Start", m["latency"])
			}
			if strings.Contains(raw, "secret-value") || strings.Contains(raw, "token=") {
				t.Errorf("the query string was logged: %s", raw)
			}
		})
	}
}

func TestAccessLogEscapesHostileValues(t *testing.T) {
	st := &pipeline.State{RequestID: "rid", Path: "/a\"b\nc"}
	m, raw := logOne(t, "/", st, 400, 0)
	if m["path"] != "/a\"b\nc" {
		t.Fatalf("path = %q; want it intact after decoding", m["path"])
	}
	if strings.Count(raw, "\n") != 1 {
		t.Fatalf("a newline in the path split the line: %q", raw)
	}
}

func TestAccessLogNilAndClose(t *testing.T) {
	var a *AccessLog
	a.Log(httptest.NewRequest("GET", "/", nil), &pipeline.State{}, 200, 0) // must not panic
	if err := a.Close(); err != nil {
		t.Fatalf("Close on a nil log: %v", err)
	}
	c := &closeRecorder{}
	if err := NewAccessLog(&bytes.Buffer{}, c).Close(); err != nil || !c.closed {
		t.Fatalf("Close: err %v closed %v; want the closer closed", err, c.closed)
	}
}

type closeRecorder struct{ closed bool }

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestObserverWritesTheLine(t *testing.T) {
	var buf bytes.Buffer
	o := NewObserver(NewAccessLog(&buf, nil))
	st := &pipeline.State{Start: time.Now(), RequestID: "rid-o", Path: "/p", Route: "telemetry_test_route"}
	o.Log(httptest.NewRequest("GET", "/p", nil), st, 201, 7)
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatalf("observer line %q: %v", buf.String(), err)
	}
	if m["request_id"] != "rid-o" || m["status"] != float64(201) || m["bytes_sent"] != float64(7) {
		t.Fatalf("observer line %v; want rid-o 201 7", m)
	}
	// Without a log it still counts and does not panic.
	NewObserver(nil).Log(httptest.NewRequest("GET", "/p", nil), st, 201, 7)
}

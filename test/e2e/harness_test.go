// Package e2e tests gatehouse end to end: the real gateway on
// 127.0.0.1:0 in front of real upstream servers, asserted over HTTP.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gateway"
	"github.com/gatehouse/gatehouse/internal/telemetry"
)

// gw is a gateway started for one test.
type gw struct {
	t    *testing.T
	g    *gateway.Gateway
	addr string
	logs *syncBuffer
}

// startGateway parses yaml (after os.Expand of ${...} against vars, so
// tests can place upstream URLs) and serves it on 127.0.0.1:0.
func startGateway(t *testing.T, yaml string, vars map[string]string) *gw {
	t.Helper()
	yaml = os.Expand(yaml, func(k string) string {
		if v, ok := vars[k]; ok {
			return v
		}
		return "${" + k + "}"
	})
	if !strings.Contains(yaml, "listeners:") {
		yaml = "listeners:\n  - name: public\n    addr: \"127.0.0.1:0\"\n" + yaml
	}
	cfg, err := config.Parse([]byte(yaml), "test.yaml")
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	logs := &syncBuffer{}
	g, err := gateway.New(cfg, gateway.Options{
		File:      "test.yaml",
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		AccessLog: telemetry.NewAccessLog(logs, nil),
	})
	if err != nil {
		t.Fatalf("gateway: %v", err)
	}
	if err := g.Start(); err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		g.Shutdown(ctx)
	})
	return &gw{t: t, g: g, addr: g.Addr(cfg.Listeners[0].Name).String(), logs: logs}
}

func (g *gw) url(path string) string { return "http://" + g.addr + path }

// do sends a request and returns the response with its body read.
func (g *gw) do(method, path string, body io.Reader, hdr ...string) (*http.Response, string) {
	g.t.Helper()
	req, err := http.NewRequest(method, g.url(path), body)
	if err != nil {
		g.t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if strings.EqualFold(hdr[i], "Host") {
			req.Host = hdr[i+1]
			continue
		}
		req.Header.Add(hdr[i], hdr[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		g.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		g.t.Fatalf("reading body: %v", err)
	}
	return resp, string(b)
}

// raw writes a request verbatim on a new connection and returns the
// status line's code and the whole response text.
func (g *gw) raw(request string) (int, string) {
	g.t.Helper()
	c, err := net.DialTimeout("tcp", g.addr, 2*time.Second)
	if err != nil {
		g.t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, request); err != nil {
		g.t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufioReader(c), nil)
	if err != nil {
		g.t.Fatalf("reading response to %q: %v", request, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var client = &http.Client{
	Timeout:   10 * time.Second,
	Transport: &http.Transport{Proxy: nil, DisableCompression: true},
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
}

// errorBody is the gateway's JSON error.
type errorBody struct {
	Error     string `json:"error"`
	Status    int    `json:"status"`
	RequestID string `json:"request_id"`
}

func parseError(t *testing.T, body string) errorBody {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("error body %q is not JSON: %v", body, err)
	}
	if e.Error == "" || e.Status == 0 || e.RequestID == "" {
		t.Fatalf("error body %q lacks error/status/request_id", body)
	}
	return e
}

// seen is what the echo upstream reports about the request it got.
type seen struct {
	Method  string              `json:"method"`
	Path    string              `json:"path"`
	RawPath string              `json:"raw_path"`
	Query   string              `json:"query"`
	Host    string              `json:"host"`
	Header  map[string][]string `json:"header"`
	Body    string              `json:"body"`
	Name    string              `json:"name"`
}

// echoServer answers every request with a JSON description of it.
func echoServer(t *testing.T, name string) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(seen{
			Method: r.Method, Path: r.URL.Path, RawPath: r.URL.EscapedPath(), Query: r.URL.RawQuery,
			Host: r.Host, Header: r.Header, Body: string(b), Name: name,
		})
	}))
	t.Cleanup(s.Close)
	return s
}

func parseSeen(t *testing.T, body string) seen {
	t.Helper()
	var s seen
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatalf("upstream body %q is not JSON: %v", body, err)
	}
	return s
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// lines returns the access log lines decoded.
func (s *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("access log line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// waitFor polls cond for up to 5s; it exists because the access log is
// written after the response is sent.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

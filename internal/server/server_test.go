package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/metrics"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func listener(name, addr string) config.Listener {
	return config.Listener{Name: name, Addr: addr, MaxHeaderBytes: 4096, DrainTimeout: config.Duration(time.Second),
		Timeouts: config.ServerTimeouts{ReadHeader: config.Duration(2 * time.Second), Read: config.Duration(3 * time.Second),
			Write: config.Duration(4 * time.Second), Idle: config.Duration(5 * time.Second)}}
}

// start serves handler on one loopback listener and shuts it down at the
// end of the test.
func start(t *testing.T, h http.Handler) (*Server, string) {
	t.Helper()
	s := New([]config.Listener{listener("public", "127.0.0.1:0")}, func(string) http.Handler { return h }, quiet)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return s, s.Addr("public").String()
}

func TestNewAppliesListenerSettings(t *testing.T) {
	l := listener("edge", "127.0.0.1:0")
	var named []string
	s := New([]config.Listener{l, listener("admin-ish", "127.0.0.1:0")}, func(name string) http.Handler {
		named = append(named, name)
		return http.NotFoundHandler()
	}, quiet)
	if strings.Join(named, ",") != "edge,admin-ish" {
		t.Fatalf("handlers asked for %v; want edge,admin-ish", named)
	}
	hs := s.servers[0]
	got := []time.Duration{hs.ReadHeaderTimeout, hs.ReadTimeout, hs.WriteTimeout, hs.IdleTimeout}
	want := []time.Duration{2 * time.Second, 3 * time.Second, 4 * time.Second, 5 * time.Second}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("timeout %d = %v; want %v", i, got[i], want[i])
		}
	}
	if hs.MaxHeaderBytes != 4096 {
		t.Errorf("MaxHeaderBytes = %d; want 4096", hs.MaxHeaderBytes)
	}
}

func TestAddr(t *testing.T) {
	s, addr := start(t, http.NotFoundHandler())
	if !strings.HasPrefix(addr, "127.0.0.1:") || strings.HasSuffix(addr, ":0") {
		t.Fatalf("Addr = %q; want the bound loopback port", addr)
	}
	if a := s.Addr("nope"); a != nil {
		t.Fatalf("Addr of an unknown listener = %v; want nil", a)
	}
}

// TestStartFailureReleasesBoundListeners: when the second listener cannot
// bind, the first one is closed again rather than left half-started.
func TestStartFailureReleasesBoundListeners(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	freeAddr := free.Addr().String()
	free.Close()

	s := New([]config.Listener{listener("first", freeAddr), listener("second", taken.Addr().String())},
		func(string) http.Handler { return http.NotFoundHandler() }, quiet)
	err = s.Start()
	if err == nil || !strings.Contains(err.Error(), `listener "second"`) {
		t.Fatalf("Start = %v; want an error naming listener \"second\"", err)
	}
	if s.Addr("first") != nil {
		t.Fatal("the first listener is still reported after a failed start")
	}
	l, err := net.Listen("tcp", freeAddr)
	if err != nil {
		t.Fatalf("the first listener's port is still held: %v", err)
	}
	l.Close()
}

// TestShutdownFinishesInFlight: Shutdown stops accepting at once, waits
// for the in-flight request and returns nil once it has finished.
func TestShutdownFinishesInFlight(t *testing.T) {
	arrived, release := make(chan struct{}), make(chan struct{})
	s := New([]config.Listener{listener("public", "127.0.0.1:0")}, func(string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			close(arrived)
			<-release
			io.WriteString(w, "finished")
		})
	}, quiet)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	addr := s.Addr("public").String()
	type result struct {
		body string
		err  error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/")
		if err != nil {
			res <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		res <- result{string(b), err}
	}()
	<-arrived
	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(context.Background()) }()

	// The listener closes before in-flight work ends.
	waitUntil(t, "the listener to close", func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v with a request in flight", err)
	default:
	}
	close(release)
	if r := <-res; r.err != nil || r.body != "finished" {
		t.Fatalf("in-flight request: %q, %v; want finished", r.body, r.err)
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown = %v; want nil", err)
	}
}

// TestShutdownDeadlineClosesStragglers: a request still running when the
// drain deadline passes is cut and Shutdown reports the deadline.
func TestShutdownDeadlineClosesStragglers(t *testing.T) {
	arrived, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	s := New([]config.Listener{listener("public", "127.0.0.1:0")}, func(string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			close(arrived)
			<-release
		})
	}, quiet)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", s.Addr("public").String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	<-arrived
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the drain time is already over
	done := make(chan error, 1)
	go func() { done <- s.Shutdown(ctx) }()
	// The straggler's connection is closed under it.
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := c.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read %d bytes, %v; want the connection closed by the gateway", n, err)
	}
	release <- struct{}{} // let the handler return so Serve's goroutines end
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Shutdown = %v; want the context's error", err)
	}
}

// TestHeaderBytesLimit: past max_header_bytes the client gets 431.
func TestHeaderBytesLimit(t *testing.T) {
	_, addr := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	cases := []struct {
		name   string
		header string
		want   int
	}{
		{"small", "X-A: " + strings.Repeat("a", 100), 200},
		// net/http allows 4096 bytes of slack over MaxHeaderBytes.
		{"far past the limit", "X-A: " + strings.Repeat("a", 16<<10), 431},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: x\r\n%s\r\nConnection: close\r\n\r\n", c.header)
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Fatalf("status %d; want %d", resp.StatusCode, c.want)
			}
		})
	}
}

// TestActiveConnectionsGauge: a connection counts while open, and leaves
// the count when it closes or is hijacked for an upgrade.
func TestActiveConnectionsGauge(t *testing.T) {
	hijacked := make(chan struct{})
	_, addr := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hijack" {
			c, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				close(hijacked)
				<-r.Context().Done()
				c.Close()
			}
			return
		}
		io.WriteString(w, "ok")
	}))
	// Connections of earlier tests may still be closing; only this
	// package's servers feed the gauge, so it settles at zero.
	gauge := func() float64 {
		var m dto.Metric
		if err := metrics.ActiveConnections.Write(&m); err != nil {
			t.Fatal(err)
		}
		return m.GetGauge().GetValue()
	}
	waitUntil(t, "earlier connections to close", func() bool { return gauge() == 0 })

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, err := http.ReadResponse(bufio.NewReader(c), nil); err != nil {
		t.Fatal(err)
	}
	if got := gauge(); got != 1 {
		t.Fatalf("active connections %v with one keep-alive connection open; want 1", got)
	}
	c.Close()
	waitUntil(t, "the gauge to drop after close", func() bool { return gauge() == 0 })

	h, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	fmt.Fprint(h, "GET /hijack HTTP/1.1\r\nHost: x\r\n\r\n")
	<-hijacked
	waitUntil(t, "the gauge to drop after hijack", func() bool { return gauge() == 0 })
}

func TestDrainTimeoutIsTheLongest(t *testing.T) {
	cases := []struct {
		name string
		in   []time.Duration
		want time.Duration
	}{
		{"none", nil, 0},
		{"one", []time.Duration{time.Second}, time.Second},
		{"longest wins", []time.Duration{time.Second, 30 * time.Second, 5 * time.Second}, 30 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var ls []config.Listener
			for _, d := range c.in {
				ls = append(ls, config.Listener{DrainTimeout: config.Duration(d)})
			}
			if got := DrainTimeout(ls); got != c.want {
				t.Fatalf("DrainTimeout = %v; want %v", got, c.want)
			}
		})
	}
}

// waitUntil polls cond (an event the server does asynchronously) for up
// to 5s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

package proxy

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingServer counts the connections an upstream accepts.
func countingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	var conns atomic.Int64
	s := httptest.NewUnstartedServer(h)
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s, &conns
}

// rawUpstream accepts connections on loopback, reads one request head on
// each and hands the connection to answer, closing it when answer returns.
// It returns the listener's address.
func rawUpstream(t *testing.T, answer func(c net.Conn)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
					return
				}
				answer(c)
			}()
		}
	}()
	return ln.Addr().String()
}

func newTestH1(o TransportOptions) *h1Transport {
	if o.MaxIdle == 0 {
		o.MaxIdle = 8
	}
	return newH1Transport(o, NewTransport(o))
}

func get(t *testing.T, tr http.RoundTripper, method, url string, body io.Reader) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, body)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func TestH1KeepAliveReuse(t *testing.T) {
	s, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	tr := newTestH1(TransportOptions{})
	for range 20 {
		if _, body := get(t, tr, "GET", s.URL, nil); body != "ok" {
			t.Fatalf("body %q", body)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections for 20 sequential requests; want 1", n)
	}
}

func TestH1BodiesAndFraming(t *testing.T) {
	s, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/chunked":
			w.(http.Flusher).Flush()
			fmt.Fprintf(w, "got %d %v", len(b), r.TransferEncoding)
		case "/nocontent":
			w.WriteHeader(http.StatusNoContent)
		case "/notmodified":
			w.WriteHeader(http.StatusNotModified)
		case "/close":
			w.Header().Set("Connection", "close")
			io.WriteString(w, "bye")
		default:
			fmt.Fprintf(w, "got %d", len(b))
		}
	})
	tr := newTestH1(TransportOptions{})
	if _, body := get(t, tr, "POST", s.URL+"/len", strings.NewReader("hello")); body != "got 5" {
		t.Fatalf("content-length body: %q", body)
	}
	// A body of unknown length goes chunked.
	pr, pw := io.Pipe()
	go func() { pw.Write([]byte(strings.Repeat("x", 100000))); pw.Close() }()
	if resp, body := get(t, tr, "POST", s.URL+"/chunked", pr); body != "got 100000 [chunked]" || resp.TransferEncoding[0] != "chunked" {
		t.Fatalf("chunked: %q %v", body, resp.TransferEncoding)
	}
	for _, p := range []string{"/nocontent", "/notmodified"} {
		if resp, body := get(t, tr, "GET", s.URL+p, nil); body != "" || resp.StatusCode >= 400 {
			t.Fatalf("%s: %d %q", p, resp.StatusCode, body)
		}
	}
	if resp, body := get(t, tr, "HEAD", s.URL+"/len", nil); resp.StatusCode != 200 || body != "" {
		t.Fatalf("HEAD: %d %q", resp.StatusCode, body)
	}
	waitIdle(t, tr, 1) // the HEAD's connection rests before it is pooled
	time.Sleep(20 * time.Millisecond)
	tr.CloseIdleConnections()
	before := conns.Load()
	get(t, tr, "GET", s.URL+"/close", nil)
	get(t, tr, "GET", s.URL+"/len", nil)
	if conns.Load() != before+2 {
		t.Fatalf("a Connection: close response's connection was reused")
	}
}

// TestH1StaleConnectionRetried: the upstream closes an idle keep-alive
// connection; the next request still succeeds on a new one.
func TestH1StaleConnectionRetried(t *testing.T) {
	s, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	tr := newTestH1(TransportOptions{})
	get(t, tr, "GET", s.URL, nil)
	s.CloseClientConnections() // the upstream drops its idle connections
	time.Sleep(50 * time.Millisecond)
	if _, body := get(t, tr, "GET", s.URL, nil); body != "ok" {
		t.Fatalf("after the upstream closed the pooled connection: %q", body)
	}
	if conns.Load() != 2 {
		t.Fatalf("%d connections; want 2", conns.Load())
	}
}

func TestH1ResponseTimeoutAndCancel(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	s, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	tr := newTestH1(TransportOptions{Response: 100 * time.Millisecond})
	req, _ := http.NewRequest("GET", s.URL, nil)
	_, err := tr.RoundTrip(req)
	if err == nil || classify(err).Status != http.StatusGatewayTimeout {
		t.Fatalf("slow upstream: %v; want a timeout classified 504", err)
	}
	tr = newTestH1(TransportOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ = http.NewRequestWithContext(ctx, "GET", s.URL, nil)
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	if _, err := tr.RoundTrip(req); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled request: %v; want context.Canceled", err)
	}
}

func TestH1DialErrorsAreDialErrors(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	tr := newTestH1(TransportOptions{Connect: time.Second})
	req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
	_, err := tr.RoundTrip(req)
	if !isDial(err) || classify(err).Status != http.StatusBadGateway {
		t.Fatalf("refused connection: %v; want a dial error classified 502", err)
	}
}

func TestH1UnreadBodyClosesConnection(t *testing.T) {
	s, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("y", 1<<20))
	})
	tr := newTestH1(TransportOptions{})
	req, _ := http.NewRequest("GET", s.URL, nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Read(make([]byte, 10))
	resp.Body.Close() // abandoned mid-body: the connection must not be reused
	get(t, tr, "GET", s.URL, nil)
	if conns.Load() != 2 {
		t.Fatalf("%d connections; want 2 (a half-read connection is not pooled)", conns.Load())
	}
}

// TestH1CancelNearResponseDeadline cancels just as the upstream has read
// the request, when the transport is about to arm its response-header
// deadline: the cancellation must win over that deadline, or the try
// would hang until the (here hour-long) response timeout.
func TestH1CancelNearResponseDeadline(t *testing.T) {
	arrived := make(chan struct{}, 1)
	addr := rawUpstream(t, func(c net.Conn) {
		arrived <- struct{}{}
		c.Read(make([]byte, 1)) // never answers; waits for the close
	})
	tr := newTestH1(TransportOptions{Response: time.Hour})
	for i := range 200 {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/", nil)
		done := make(chan error, 1)
		go func() { _, err := tr.RoundTrip(req); done <- err }()
		<-arrived
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("try %d: %v; want context.Canceled", i, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("try %d still blocked after its context was cancelled", i)
		}
	}
}

// TestH1EarlyAnswerToUpload: a service that answers an upload it will not
// read (413, then a close) must get its answer to the client, not a 502,
// whether the body's length is known or it goes chunked.
func TestH1EarlyAnswerToUpload(t *testing.T) {
	addr := rawUpstream(t, func(c net.Conn) {
		io.WriteString(c, "HTTP/1.1 413 Request Entity Too Large\r\nConnection: close\r\nContent-Length: 9\r\n\r\ntoo large")
		time.Sleep(10 * time.Millisecond) // then close with the body unread: a reset
	})
	url := "http://" + addr + "/upload"
	tr := newTestH1(TransportOptions{})
	for i := range 10 {
		var body io.Reader = bytes.NewReader(make([]byte, 8<<20))
		if i%2 == 1 {
			body = io.MultiReader(body) // unknown length: chunked
		}
		req, _ := http.NewRequest("POST", url, body)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatalf("try %d: %v; want the service's 413", i, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || string(b) != "too large" {
			t.Fatalf("try %d: %d %q; want 413 \"too large\"", i, resp.StatusCode, b)
		}
	}
}

// TestH1ClientBodyErrorIsNotAnAnswer: when the client's body fails, the
// transport reports that failure and reads no response.
func TestH1ClientBodyErrorIsNotAnAnswer(t *testing.T) {
	s, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "ok")
	})
	tr := newTestH1(TransportOptions{})
	broken := errors.New("client went away")
	req, _ := http.NewRequest("POST", s.URL, io.MultiReader(strings.NewReader("part"), iotestErr{broken}))
	req.ContentLength = 100
	if _, err := tr.RoundTrip(req); !errors.Is(err, broken) {
		t.Fatalf("RoundTrip: %v; want the body's error", err)
	}
}

type iotestErr struct{ err error }

func (e iotestErr) Read([]byte) (int, error) { return 0, e.err }

// TestH1ResponseDeadlineBoundsTheHeadOnly: the response timeout bounds
// the wait for the head. A deadline left on a pooled connection after a
// buffered body must not fail its next request, and a body still arriving
// after the head is never cut by it.
func TestH1ResponseDeadlineBoundsTheHeadOnly(t *testing.T) {
	s, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow-head":
			time.Sleep(30 * time.Millisecond)
			io.WriteString(w, "late but in time")
		case "/slow-body":
			w.Header().Set("Content-Length", "4")
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			time.Sleep(250 * time.Millisecond) // longer than the response timeout
			io.WriteString(w, "tail")
		default:
			io.WriteString(w, "quick")
		}
	})
	tr := newTestH1(TransportOptions{Response: 150 * time.Millisecond})
	if _, body := get(t, tr, "GET", s.URL+"/quick", nil); body != "quick" {
		t.Fatalf("quick: %q", body)
	}
	time.Sleep(200 * time.Millisecond) // the first deadline passes while the connection idles
	if _, body := get(t, tr, "GET", s.URL+"/slow-head", nil); body != "late but in time" {
		t.Fatalf("after an idle past the old deadline: %q", body)
	}
	if _, body := get(t, tr, "GET", s.URL+"/slow-body", nil); body != "tail" {
		t.Fatalf("a body arriving after the head's timeout: %q", body)
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections; want 1 (the same one reused)", n)
	}
}

// waitIdle waits (boundedly) until tr pools n connections: after a HEAD,
// 204 or 304, or a request with a body, a connection rests before that.
func waitIdle(t *testing.T, tr *h1Transport, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); tr.idleCount() < n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d idle connections; want %d", tr.idleCount(), n)
		}
	}
}

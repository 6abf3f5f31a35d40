package e2e

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func streamRoute(up string) string {
	return `
listeners:
  - name: public
    addr: "127.0.0.1:0"
    timeouts: {write: 300ms}
services:
  - name: s
    targets: [{url: "` + up + `"}]
routes:
  - name: r
    match: {path_prefix: /}
    service: s
`
}

// TestSSEFlushedAndNotCut: each event reaches the client before the
// upstream sends the next, and a stream longer than the listener's write
// timeout (300ms here) is not cut.
func TestSSEFlushedAndNotCut(t *testing.T) {
	next := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range 4 {
			fmt.Fprintf(w, "data: %d\n\n", i)
			w.(http.Flusher).Flush()
			select {
			case <-next:
			case <-time.After(10 * time.Second):
				return
			}
		}
	}))
	defer up.Close()
	g := startGateway(t, streamRoute(up.URL), nil)
	resp, err := http.Get(g.url("/events"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	for i := range 4 {
		line, err := br.ReadString('\n')
		if err != nil || line != fmt.Sprintf("data: %d\n", i) {
			t.Fatalf("event %d: %q, %v", i, line, err)
		}
		br.ReadString('\n')
		if i == 1 {
			time.Sleep(400 * time.Millisecond) // past the write timeout
		}
		next <- struct{}{} // the upstream sends the next only now: no buffering
	}
}

// TestChunkedStreamedThrough: the first chunk arrives before the upstream
// writes the second.
func TestChunkedStreamedThrough(t *testing.T) {
	second := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first;")
		w.(http.Flusher).Flush()
		<-second
		io.WriteString(w, "second")
	}))
	defer up.Close()
	g := startGateway(t, streamRoute(up.URL), nil)
	resp, err := http.Get(g.url("/chunks"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if len(resp.TransferEncoding) == 0 || resp.TransferEncoding[0] != "chunked" {
		t.Fatalf("transfer encoding %v; want chunked", resp.TransferEncoding)
	}
	buf := make([]byte, 6)
	if _, err := io.ReadFull(resp.Body, buf); err != nil || string(buf) != "first;" {
		t.Fatalf("first chunk %q, %v", buf, err)
	}
	close(second)
	rest, _ := io.ReadAll(resp.Body)
	if string(rest) != "second" {
		t.Fatalf("rest %q", rest)
	}
}

// TestLargeBodiesBothWays: 20 MB up and 20 MB down arrive intact.
func TestLargeBodiesBothWays(t *testing.T) {
	const size = 20 << 20
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, _ := io.Copy(h, r.Body)
		w.Header().Set("X-Got", fmt.Sprintf("%d %x", n, h.Sum(nil)))
		chunk := make([]byte, 64<<10)
		for i := range chunk {
			chunk[i] = byte(i * 7)
		}
		for sent := 0; sent < size; sent += len(chunk) {
			w.Write(chunk)
		}
	}))
	defer up.Close()
	// Over the default request_size_limit (10 MiB): the route raises it.
	cfg := strings.Replace(streamRoute(up.URL), "write: 300ms", "write: 60s", 1) + "    policies: {request_size_limit: {max_bytes: 33554432}}\n"
	g := startGateway(t, cfg, nil)
	body := strings.NewReader(strings.Repeat("0123456789abcdef", size/16))
	want := sha256.Sum256([]byte(strings.Repeat("0123456789abcdef", size/16)))
	resp, err := http.Post(g.url("/big"), "application/octet-stream", body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if got := resp.Header.Get("X-Got"); got != fmt.Sprintf("%d %x", size, want) {
		t.Fatalf("upstream got %q; want %d bytes with the same checksum", got, size)
	}
	chunk := make([]byte, 64<<10)
	for i := range chunk {
		chunk[i] = byte(i * 7)
	}
	wantDown := sha256.New()
	for sent := 0; sent < size; sent += len(chunk) {
		wantDown.Write(chunk)
	}
	h := sha256.New()
	n, err := io.Copy(h, resp.Body)
	if err != nil || n != size || string(h.Sum(nil)) != string(wantDown.Sum(nil)) {
		t.Fatalf("response: %d bytes, %v; want %d intact", n, err, size)
	}
}

// TestWebSocketUpgrade: a raw WebSocket handshake through the gateway,
// then bytes both ways on the upgraded connection.
func TestWebSocketUpgrade(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "websocket" || !strings.Contains(strings.ToLower(r.Header.Get("Connection")), "upgrade") {
			http.Error(w, "not an upgrade", 400)
			return
		}
		conn, brw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		fmt.Fprint(brw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
		brw.Flush()
		buf := make([]byte, 5)
		for {
			if _, err := io.ReadFull(brw, buf); err != nil {
				return
			}
			conn.Write([]byte(strings.ToUpper(string(buf))))
		}
	}))
	defer up.Close()
	g := startGateway(t, streamRoute(up.URL), nil)
	c, err := net.Dial("tcp", g.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprint(c, "GET /ws HTTP/1.1\r\nHost: gw.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Upgrade") != "websocket" {
		t.Fatalf("handshake: %d %v", resp.StatusCode, resp.Header)
	}
	for _, msg := range []string{"hello", "world"} {
		io.WriteString(c, msg)
		got := make([]byte, 5)
		if _, err := io.ReadFull(br, got); err != nil || string(got) != strings.ToUpper(msg) {
			t.Fatalf("echo of %q: %q, %v", msg, got, err)
		}
	}
}

// TestAccessLogFields: every field for a proxied request, a 404 and a 499.
func TestAccessLogFields(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 1)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/slow" {
			arrived <- struct{}{}
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		io.WriteString(w, "hello")
	}))
	defer up.Close()
	defer close(release)
	g := startGateway(t, `
services:
  - name: s
    targets: [{url: "`+up.URL+`"}]
routes:
  - name: r
    match: {path_prefix: /api}
    service: s
`, nil)
	okResp, _ := g.do("GET", "/api/x?secret=1", nil, "X-Forwarded-For", "203.0.113.9", "Host", "api.test")
	g.do("GET", "/nowhere", nil)
	// A client that gives up while the upstream is slow.
	c, err := net.Dial("tcp", g.addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(c, "GET /api/slow HTTP/1.1\r\nHost: gw.test\r\n\r\n")
	select {
	case <-arrived:
	case <-time.After(5 * time.Second):
		t.Fatal("the slow request never reached the upstream")
	}
	c.Close()
	waitFor(t, "three access log lines", func() bool { return len(g.logs.lines(t)) >= 3 })
	lines := g.logs.lines(t)
	byPath := map[string]map[string]any{}
	for _, l := range lines {
		byPath[l["path"].(string)] = l
	}
	ok := byPath["/api/x"]
	for _, f := range []string{"timestamp", "request_id", "remote_addr", "method", "host", "path", "route", "service", "status", "latency", "upstream_latency", "bytes_sent"} {
		if _, present := ok[f]; !present {
			t.Errorf("proxied request's line lacks %q: %v", f, ok)
		}
	}
	if ok["status"] != float64(200) || ok["route"] != "r" || ok["service"] != "s" || ok["bytes_sent"] != float64(5) || ok["remote_addr"] != "127.0.0.1" {
		t.Errorf("proxied request's line: %v", ok)
	}
	if ok["request_id"] != okResp.Header.Get("X-Request-ID") || ok["method"] != "GET" || ok["host"] != "api.test" {
		t.Errorf("proxied request's line %v; want request_id %q, method GET, host api.test", ok, okResp.Header.Get("X-Request-ID"))
	}
	if ts, _ := ok["timestamp"].(string); ts == "" {
		t.Errorf("timestamp %v; want a time", ok["timestamp"])
	} else if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
		t.Errorf("timestamp %q is not RFC 3339: %v", ts, err)
	}
	if nf := byPath["/nowhere"]; nf["status"] != float64(404) || nf["route"] != "" {
		t.Errorf("404 line: %v", nf)
	}
	if gone := byPath["/api/slow"]; gone["status"] != float64(499) {
		t.Errorf("client-gone line: %v; want status 499", gone)
	}
	if strings.Contains(g.logs.String(), "secret=1") {
		t.Errorf("the query string was logged")
	}
}

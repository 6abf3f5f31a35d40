package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// rawService is an upstream that speaks raw TCP: serve runs on each
// accepted connection in its own goroutine. It returns the service's URL.
// Cleanup closes the listener and every connection, then waits for the
// goroutines.
func rawService(t *testing.T, serve func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				// No exchange in these tests lasts this long; the bound
				// keeps a stuck handler from outliving the test.
				c.SetDeadline(time.Now().Add(10 * time.Second))
				serve(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return "http://" + ln.Addr().String()
}

// rawDo writes payload verbatim on a new connection to the gateway and
// reads one response, body included, within a deadline.
func rawDo(t *testing.T, addr, payload string) (*http.Response, string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(4 * time.Second))
	if _, err := io.WriteString(c, payload); err != nil {
		t.Fatal(err)
	}
	return readRawResponse(t, bufio.NewReader(c))
}

// readRawResponse reads one response and its body off br.
func readRawResponse(t *testing.T, br *bufio.Reader) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("reading response: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading response body: %v", err)
	}
	return resp, string(b)
}

// freshGet sends GET path to the gateway on a client of its own (a new
// connection, not kept).
func freshGet(t *testing.T, g *gw, path string, hdr ...string) (*http.Response, string) {
	t.Helper()
	c := &http.Client{
		Timeout:   4 * time.Second,
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true, DisableCompression: true},
	}
	defer c.CloseIdleConnections()
	req, err := http.NewRequest(http.MethodGet, g.url(path), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", path, err)
	}
	return resp, string(b)
}

// writeText answers with body and a Content-Length.
func writeText(w io.Writer, status int, body string) error {
	_, err := fmt.Fprintf(w, "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s",
		status, http.StatusText(status), len(body), body)
	return err
}

// TestDesyncSecretNeverLeaks: a service that answers a POST without
// reading its body, and keeps the connection, parses the body as a
// second request and answers it. The gateway must never hand that answer
// (here the key-protected /internal/secret) to a later client.
func TestDesyncSecretNeverLeaks(t *testing.T) {
	up := rawService(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			// The body is never read: the next ReadRequest starts where
			// the head ended.
			body := req.URL.Path
			if req.URL.Path == "/internal/secret" {
				body = "SECRET"
			}
			if writeText(c, http.StatusOK, body) != nil {
				return
			}
		}
	})
	g := startGateway(t, `
services:
  - name: desync
    targets: [{url: "${UP}"}]
routes:
  - name: public
    match: {path_prefix: /public}
    service: desync
  - name: internal
    match: {path_prefix: /internal}
    service: desync
    policies:
      key_auth: {}
consumers:
  - name: ops
    api_keys: [{key: "ops-key-7f3a"}]
`, map[string]string{"UP": up})

	resp, body := freshGet(t, g, "/internal/secret")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET /internal/secret without a key: %d %q; want 401", resp.StatusCode, body)
	}
	if strings.Contains(body, "SECRET") {
		t.Fatalf("401 body %q carries the secret", body)
	}
	// The service really answers the secret path with SECRET, so a leak
	// below would be visible.
	if resp, body := freshGet(t, g, "/internal/secret", "X-API-Key", "ops-key-7f3a"); resp.StatusCode != 200 || body != "SECRET" {
		t.Fatalf("GET /internal/secret with the key: %d %q; want 200 SECRET", resp.StatusCode, body)
	}

	smuggled := "GET /internal/secret HTTP/1.1\r\nHost: x\r\n\r\n"
	resp, body = rawDo(t, g.addr, fmt.Sprintf(
		"POST /public HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		len(smuggled), smuggled))
	if resp.StatusCode != 200 || body != "/public" {
		t.Fatalf("POST /public: %d %q; want 200 /public", resp.StatusCode, body)
	}
	// Let the service's answer to the smuggled request reach the gateway.
	time.Sleep(50 * time.Millisecond)

	for i := range 20 {
		path := fmt.Sprintf("/public/%d", i)
		resp, body := freshGet(t, g, path)
		if body == "SECRET" || strings.Contains(body, "SECRET") {
			t.Fatalf("GET %s got the smuggled request's answer: %d %q", path, resp.StatusCode, body)
		}
		if resp.StatusCode != 200 || body != path {
			t.Fatalf("GET %s: %d %q; want 200 with its own path", path, resp.StatusCode, body)
		}
	}
}

// TestResponseHeadLimits: a response head over the service's limit, or
// more informational answers than the gateway allows, gets the client a
// 502 JSON error with the gateway's memory bounded; a reasonable number of
// 1xx answers is skipped and the final answer passes.
func TestResponseHeadLimits(t *testing.T) {
	// padHead writes a 200 head of about n bytes of X-Pad fields.
	padHead := func(w *bufio.Writer, n int) {
		w.WriteString("HTTP/1.1 200 OK\r\n")
		line := strings.Repeat("a", 1000)
		for i := 0; i*1024 < n; i++ {
			fmt.Fprintf(w, "X-Pad-%05d: %s\r\n", i, line)
		}
		w.WriteString("Content-Length: 2\r\n\r\nok")
	}
	up := rawService(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		bw := bufio.NewWriter(c)
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			switch req.URL.Path {
			case "/huge":
				padHead(bw, 2<<20)
			case "/big":
				padHead(bw, 100<<10)
			case "/many1xx":
				for range 1000 {
					bw.WriteString("HTTP/1.1 100 Continue\r\n\r\n")
				}
				bw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
			case "/two1xx":
				bw.WriteString("HTTP/1.1 100 Continue\r\n\r\n")
				bw.WriteString("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n")
				bw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
			default:
				bw.WriteString("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
			}
			if bw.Flush() != nil {
				return // the gateway gave up on the head: expected
			}
		}
	})
	g := startGateway(t, `
services:
  - name: heads
    targets: [{url: "${UP}"}]
  - name: heads-small
    targets: [{url: "${UP}"}]
    max_response_header_bytes: 65536
routes:
  - name: default-limit
    match: {path_prefix: /default}
    strip_prefix: /default
    service: heads
  - name: small-limit
    match: {path_prefix: /small}
    strip_prefix: /small
    service: heads-small
`, map[string]string{"UP": up})

	want502 := func(t *testing.T, path string) {
		t.Helper()
		resp, body := freshGet(t, g, path)
		if resp.StatusCode != http.StatusBadGateway {
			t.Fatalf("GET %s: %d (%d bytes of body); want 502", path, resp.StatusCode, len(body))
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("GET %s: Content-Type %q; want the gateway's JSON error", path, ct)
		}
		parseError(t, body)
		if resp.Header.Get("X-Pad-00000") != "" {
			t.Errorf("GET %s: a 502 carries the service's padding headers", path)
		}
	}
	t.Run("2 MiB head over the default limit", func(t *testing.T) { want502(t, "/default/huge") })
	t.Run("100 KiB head over a 64 KiB limit", func(t *testing.T) { want502(t, "/small/big") })
	t.Run("100 KiB head under the default limit passes", func(t *testing.T) {
		resp, body := freshGet(t, g, "/default/big")
		if resp.StatusCode != 200 || body != "ok" || resp.Header.Get("X-Pad-00000") == "" {
			t.Fatalf("GET /default/big: %d %q; want the service's 200 with its headers", resp.StatusCode, body)
		}
	})
	t.Run("1000 informational answers", func(t *testing.T) { want502(t, "/default/many1xx") })
	t.Run("two informational answers then 200", func(t *testing.T) {
		resp, body := freshGet(t, g, "/default/two1xx")
		if resp.StatusCode != 200 || body != "ok" {
			t.Fatalf("GET /default/two1xx: %d %q; want 200 ok", resp.StatusCode, body)
		}
	})
}

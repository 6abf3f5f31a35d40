package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const sizeConfig = `
services:
  - name: s
    targets: [{url: "${UP}"}]
routes:
  - name: small
    match: {path_prefix: /small}
    service: s
    policies:
      request_size_limit: {max_bytes: 1000}
  - name: buffered
    match: {path_prefix: /buffered}
    service: s
    buffer_request_bytes: 65536
    policies:
      request_size_limit: {max_bytes: 1000}
  - name: strict
    match: {path_prefix: /strict}
    service: s
    policies:
      request_size_limit: {require_content_length: true}
  - name: default
    match: {path_prefix: /}
    service: s
`

// bodyUpstream records, per request, whether the body arrived whole.
type bodyUpstream struct {
	url              string
	calls, completes atomic.Int64
	done             chan struct{}
}

func newBodyUpstream(t *testing.T) *bodyUpstream {
	u := &bodyUpstream{done: make(chan struct{}, 16)}
	u.url = newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.calls.Add(1)
		defer func() { u.done <- struct{}{} }()
		if _, err := io.Copy(io.Discard, r.Body); err == nil {
			u.completes.Add(1)
		}
		w.Write([]byte("got it"))
	}))
	return u
}

// chunked sends a chunked POST of n bytes in 250-byte chunks on a raw
// connection and returns the status.
func chunked(t *testing.T, g *gw, path string, n int) int {
	t.Helper()
	c, err := net.DialTimeout("tcp", g.addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", path)
	for sent := 0; sent < n; sent += 250 {
		fmt.Fprintf(&b, "fa\r\n%s\r\n", strings.Repeat("x", 250))
	}
	b.WriteString("0\r\n\r\n")
	io.WriteString(c, b.String()) // the gateway may answer before it has all
	resp, err := http.ReadResponse(bufioReader(c), nil)
	if err != nil {
		t.Fatalf("reading response: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		parseError(t, string(body))
	}
	return resp.StatusCode
}

func TestRequestSizeLimit(t *testing.T) {
	up := newBodyUpstream(t)
	g := startGateway(t, sizeConfig, map[string]string{"UP": up.url})

	t.Run("Content-Length over the limit: 413, service not contacted", func(t *testing.T) {
		before := up.calls.Load()
		resp, body := g.do("POST", "/small", strings.NewReader(strings.Repeat("x", 1001)))
		if resp.StatusCode != 413 {
			t.Fatalf("status %d; want 413", resp.StatusCode)
		}
		parseError(t, body)
		if up.calls.Load() != before {
			t.Error("the service was contacted")
		}
		resp, _ = g.do("POST", "/small", strings.NewReader(strings.Repeat("x", 1000)))
		if resp.StatusCode != 200 {
			t.Errorf("a body at the limit: %d; want 200", resp.StatusCode)
		}
		<-up.done
	})

	t.Run("chunked over the limit: 413, upstream request never completed", func(t *testing.T) {
		before, whole := up.calls.Load(), up.completes.Load()
		if got := chunked(t, g, "/small", 5000); got != 413 {
			t.Fatalf("status %d; want 413", got)
		}
		if up.calls.Load() > before {
			select {
			case <-up.done:
			case <-time.After(5 * time.Second):
				t.Fatal("the service's request never ended")
			}
		}
		if up.completes.Load() != whole {
			t.Error("the service received the whole over-limit body")
		}
		if got := chunked(t, g, "/small", 750); got != 200 {
			t.Errorf("chunked under the limit: %d; want 200", got)
		}
		<-up.done
	})

	t.Run("buffered route: 413 before the service is contacted", func(t *testing.T) {
		before := up.calls.Load()
		if got := chunked(t, g, "/buffered", 5000); got != 413 {
			t.Fatalf("status %d; want 413", got)
		}
		if up.calls.Load() != before {
			t.Error("the service was contacted")
		}
	})

	t.Run("require_content_length: chunked gets 411", func(t *testing.T) {
		if got := chunked(t, g, "/strict", 10); got != 411 {
			t.Fatalf("status %d; want 411", got)
		}
	})

	t.Run("default limit of 10 MiB on every route", func(t *testing.T) {
		code, body := g.raw("POST /anything HTTP/1.1\r\nHost: x\r\nContent-Length: 10485761\r\n\r\n")
		if code != 413 {
			t.Fatalf("status %d; want 413", code)
		}
		parseError(t, body)
		code, _ = g.raw("POST /anything HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok")
		if code != 200 {
			t.Errorf("small body: %d; want 200", code)
		}
	})
}

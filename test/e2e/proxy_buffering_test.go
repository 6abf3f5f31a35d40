package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestBodyMemoryCapStopsReplay: a body that fits the gateway's body
// memory is kept and sent again when the first try gets a retriable 503;
// one over proxy.body_memory_bytes streams, so its 503 reaches the client
// and the service sees one try. Without the cap the same body is retried,
// so the cap is what made the difference.
func TestBodyMemoryCapStopsReplay(t *testing.T) {
	var (
		mu    sync.Mutex
		tries = map[string]int{}
	)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id := r.Header.Get("X-Request-Id")
		mu.Lock()
		tries[id]++
		n := tries[id]
		mu.Unlock()
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "busy")
			return
		}
		w.Write(body)
	}))
	t.Cleanup(up.Close)
	triesOf := func(id string) int {
		mu.Lock()
		defer mu.Unlock()
		return tries[id]
	}
	const routes = `
services:
  - name: %s
    targets: [{url: "${UP}"}]
routes:
  - name: all
    match: {path_prefix: /}
    service: %s
    retries: {attempts: 2, retry_on: [retriable-status-codes], retriable_statuses: [503], methods: [PUT], backoff: {base: 1ms}}
`
	capped := startGateway(t, "proxy: {body_memory_bytes: 4096}\n"+fmt.Sprintf(routes, "memcap", "memcap"),
		map[string]string{"UP": up.URL})
	uncapped := startGateway(t, fmt.Sprintf(routes, "memcap-default", "memcap-default"),
		map[string]string{"UP": up.URL})

	small := strings.Repeat("s", 1<<10)
	large := strings.Repeat("L", 16<<10)

	resp, body := capped.do("PUT", "/doc", strings.NewReader(small), "X-Request-ID", "memcap-small")
	if resp.StatusCode != 200 || body != small {
		t.Fatalf("PUT 1 KiB under the cap: %d (%d bytes); want 200 with the body replayed whole", resp.StatusCode, len(body))
	}
	if n := triesOf("memcap-small"); n != 2 {
		t.Fatalf("PUT 1 KiB: the service saw %d tries; want 2 (a retry)", n)
	}

	resp, body = capped.do("PUT", "/doc", strings.NewReader(large), "X-Request-ID", "memcap-large")
	if resp.StatusCode != http.StatusServiceUnavailable || body != "busy" {
		t.Fatalf("PUT 16 KiB over the cap: %d %q; want the service's 503 streamed back", resp.StatusCode, body)
	}
	if n := triesOf("memcap-large"); n != 1 {
		t.Fatalf("PUT 16 KiB over the cap: the service saw %d tries; want 1 (no replay)", n)
	}

	// The small request's buffer was given back: another one still fits.
	resp, body = capped.do("PUT", "/doc", strings.NewReader(small), "X-Request-ID", "memcap-small-2")
	if resp.StatusCode != 200 || body != small || triesOf("memcap-small-2") != 2 {
		t.Fatalf("second PUT 1 KiB: %d, %d tries; want 200 after a retry (body memory given back)", resp.StatusCode, triesOf("memcap-small-2"))
	}

	resp, body = uncapped.do("PUT", "/doc", strings.NewReader(large), "X-Request-ID", "memcap-large-default")
	if resp.StatusCode != 200 || body != large || triesOf("memcap-large-default") != 2 {
		t.Fatalf("PUT 16 KiB with the default body memory: %d, %d tries; want 200 after a retry",
			resp.StatusCode, triesOf("memcap-large-default"))
	}
}

// TestRequestBufferingHoldsNoConnection: with buffer_request_bytes the
// gateway receives the whole upload before it contacts the service, so a
// slow client holds no service connection; without it the service gets
// the request while the upload is still coming.
func TestRequestBufferingHoldsNoConnection(t *testing.T) {
	var buffered, streamed atomic.Int64
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/buffered"):
			buffered.Add(1)
		case strings.HasPrefix(r.URL.Path, "/streamed"):
			streamed.Add(1)
		}
		b, _ := io.ReadAll(r.Body)
		w.Write(b)
	}))
	t.Cleanup(up.Close)
	g := startGateway(t, `
services:
  - name: buffering
    targets: [{url: "${UP}"}]
routes:
  - name: buffered
    match: {path_prefix: /buffered}
    service: buffering
    buffer_request_bytes: 1048576
  - name: streamed
    match: {path_prefix: /streamed}
    service: buffering
`, map[string]string{"UP": up.URL})

	payload := strings.Repeat("0123456789", 200) // 2000 bytes
	// upload sends the head and the first half of the body, runs mid,
	// then sends the rest and returns the answer.
	upload := func(t *testing.T, path string, mid func()) (*http.Response, string) {
		t.Helper()
		c, err := net.DialTimeout("tcp", g.addr, 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(4 * time.Second))
		head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", path, len(payload))
		if _, err := io.WriteString(c, head+payload[:1000]); err != nil {
			t.Fatal(err)
		}
		mid()
		if _, err := io.WriteString(c, payload[1000:]); err != nil {
			t.Fatal(err)
		}
		return readRawResponse(t, bufio.NewReader(c))
	}

	t.Run("buffered", func(t *testing.T) {
		resp, body := upload(t, "/buffered", func() {
			time.Sleep(200 * time.Millisecond)
			if n := buffered.Load(); n != 0 {
				t.Errorf("the service got %d request(s) while the upload was half sent; want 0", n)
			}
		})
		if resp.StatusCode != 200 || body != payload {
			t.Fatalf("buffered upload: %d (%d bytes); want 200 with the 2000-byte body echoed", resp.StatusCode, len(body))
		}
		if n := buffered.Load(); n != 1 {
			t.Fatalf("the service got %d buffered requests; want 1", n)
		}
	})
	t.Run("streamed", func(t *testing.T) {
		resp, body := upload(t, "/streamed", func() {
			waitFor(t, "the service to get the streamed request mid-upload", func() bool { return streamed.Load() == 1 })
		})
		if resp.StatusCode != 200 || body != payload {
			t.Fatalf("streamed upload: %d (%d bytes); want 200 with the 2000-byte body echoed", resp.StatusCode, len(body))
		}
	})
}

package e2e

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestWriteTimeoutBoundsStallsNotDownloads: the listener's write timeout
// (300ms here) is how long the client may stall, not how long a whole
// response may take. A download that keeps moving for three times the
// timeout arrives whole; a client that stops reading is cut.
func TestWriteTimeoutBoundsStallsNotDownloads(t *testing.T) {
	const piece, pieces = 4 << 10, 20
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/flood" {
			w.Header().Set("Content-Length", strconv.Itoa(256<<20))
			chunk := make([]byte, 64<<10)
			for sent := 0; sent < 256<<20; sent += len(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(piece*pieces))
		for range pieces {
			w.Write([]byte(strings.Repeat("x", piece)))
			w.(http.Flusher).Flush()
			time.Sleep(50 * time.Millisecond) // 1 s in all, past the timeout
		}
	}))
	defer up.Close()
	g := startGateway(t, streamRoute(up.URL), nil)

	resp, err := http.Get(g.url("/slow"))
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || n != piece*pieces {
		t.Fatalf("slow download: %d bytes, %v; want all %d", n, err, piece*pieces)
	}

	// A client that reads nothing for well past the timeout: the gateway
	// gives up on it rather than holding the connection forever.
	c, err := net.Dial("tcp", g.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /flood HTTP/1.1\r\nHost: x\r\n\r\n")
	time.Sleep(1500 * time.Millisecond)
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	got, _ := io.Copy(io.Discard, c)
	if got >= 256<<20 {
		t.Fatalf("stalled client got the whole %d-byte body; want it cut", got)
	}
}

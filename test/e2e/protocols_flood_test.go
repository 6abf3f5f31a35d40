package e2e

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// floodConfig limits streams and headers tightly so that the floods below
// meet the limits quickly.
const floodConfig = `
listeners:
  - name: public
    addr: "127.0.0.1:0"
    max_header_bytes: 16384
    http2: { h2c: true, max_concurrent_streams: 50 }
services:
  - name: svc
    targets: [{url: "${SVC}"}]
routes:
  - name: all
    match: { path_prefix: / }
    service: svc
`

// slowService counts the requests it sees; /slow ones wait for the
// client to go away (or 2s), so a flood that reached it would pile up.
func slowService(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			n.Add(1)
			select {
			case <-r.Context().Done():
			case <-time.After(time.Second):
			}
		}
		io.WriteString(w, "ok")
	}))
	t.Cleanup(s.Close)
	return s, &n
}

// floodTarget is one way to reach the flooded listener: h2c or TLS.
type floodTarget struct {
	name  string
	dial  func(t *testing.T) net.Conn
	check func(t *testing.T) // a normal request must still succeed
}

func floodTargets(t *testing.T, svc string) []floodTarget {
	plain := startGateway(t, floodConfig, map[string]string{"SVC": svc})
	tg := startGatewayTLS(t, floodConfig, map[string]string{"SVC": svc})
	healthy := func(c *http.Client, url string) func(t *testing.T) {
		return func(t *testing.T) {
			t.Helper()
			res, err := c.Get(url)
			if err != nil {
				t.Fatalf("gateway unhealthy after the flood: %v", err)
			}
			res.Body.Close()
			if res.StatusCode != 200 || res.ProtoMajor != 2 {
				t.Fatalf("after the flood: %s %d; want HTTP/2 200", res.Proto, res.StatusCode)
			}
		}
	}
	return []floodTarget{
		{"h2c", func(t *testing.T) net.Conn {
			c, err := net.Dial("tcp", plain.addr)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}, healthy(h2cClient(), plain.url("/fast"))},
		{"tls", func(t *testing.T) net.Conn {
			c, err := tls.Dial("tcp", tg.addr, &tls.Config{RootCAs: tg.roots, NextProtos: []string{"h2"}})
			if err != nil {
				t.Fatal(err)
			}
			if p := c.ConnectionState().NegotiatedProtocol; p != "h2" {
				t.Fatalf("ALPN chose %q; want h2", p)
			}
			return c
		}, healthy(tlsClient(tg.roots, true), "https://"+tg.addr+"/fast")},
	}
}

// rawH2 is a client connection driven frame by frame.
type rawH2 struct {
	c      net.Conn
	bw     *bufio.Writer
	fr     *http2.Framer
	closed chan struct{} // closed when the server ends the connection
	goAway atomic.Value  // http2.ErrCode of a GOAWAY received
}

func newRawH2(t *testing.T, c net.Conn) *rawH2 {
	t.Helper()
	t.Cleanup(func() { c.Close() })
	bw := bufio.NewWriterSize(c, 64<<10)
	h := &rawH2{c: c, bw: bw, fr: http2.NewFramer(bw, c), closed: make(chan struct{})}
	io.WriteString(bw, http2.ClientPreface)
	h.fr.WriteSettings()
	bw.Flush()
	// Read (and discard) everything the server sends, acking its
	// settings, until it closes the connection.
	rd := http2.NewFramer(io.Discard, c)
	go func() {
		defer close(h.closed)
		for {
			f, err := rd.ReadFrame()
			if err != nil {
				return
			}
			if ga, ok := f.(*http2.GoAwayFrame); ok {
				h.goAway.Store(ga.ErrCode)
			}
		}
	}()
	return h
}

func (h *rawH2) isClosed() bool {
	select {
	case <-h.closed:
		return true
	default:
		return false
	}
}

// requestBlock is an HPACK header block for GET path on host.
func requestBlock(path, host string) []byte {
	var b bytes.Buffer
	e := hpack.NewEncoder(&b)
	for _, f := range [][2]string{{":method", "GET"}, {":scheme", "https"}, {":path", path}, {":authority", host}} {
		e.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	return b.Bytes()
}

// TestH2RapidResetFlood opens and at once cancels streams as fast as it
// can (CVE-2023-44487). The gateway must stay healthy, and the service
// must see only a small share of the streams: the listener runs at most
// max_concurrent_streams handlers and a short queue per connection, and
// closes a connection whose resets outrun its handlers.
func TestH2RapidResetFlood(t *testing.T) {
	svc, seen := slowService(t)
	for _, ft := range floodTargets(t, svc.URL) {
		t.Run(ft.name, func(t *testing.T) {
			before := seen.Load()
			h := newRawH2(t, ft.dial(t))
			block := requestBlock("/slow", "gw.test")
			sent := 0
			deadline := time.Now().Add(3 * time.Second)
			for id := uint32(1); sent < 20000 && time.Now().Before(deadline) && !h.isClosed(); id += 2 {
				h.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: block, EndStream: true, EndHeaders: true})
				h.fr.WriteRSTStream(id, http2.ErrCodeCancel)
				sent++
				if sent%64 == 0 {
					if err := h.bw.Flush(); err != nil {
						break
					}
				}
			}
			h.bw.Flush()
			select {
			case <-h.closed:
			case <-time.After(time.Second):
			}
			got := seen.Load() - before
			t.Logf("streams opened and reset: %d; service saw %d; connection closed: %v, GOAWAY %v", sent, got, h.isClosed(), h.goAway.Load())
			if sent < 1000 {
				t.Fatalf("only %d streams sent; the flood did not happen", sent)
			}
			if got > int64(sent)/10 {
				t.Errorf("service saw %d of %d reset streams; want at most a tenth", got, sent)
			}
			ft.check(t)
		})
	}
}

// TestH2ContinuationFlood sends one request's header block as an endless
// run of CONTINUATION frames (CVE-2024-27316 and relatives). The listener
// must cut the connection soon after max_header_bytes, never pass the
// request on, and stay healthy for others.
func TestH2ContinuationFlood(t *testing.T) {
	svc, seen := slowService(t)
	for _, ft := range floodTargets(t, svc.URL) {
		t.Run(ft.name, func(t *testing.T) {
			before := seen.Load()
			h := newRawH2(t, ft.dial(t))
			h.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: requestBlock("/slow", "gw.test")})
			var frag bytes.Buffer
			e := hpack.NewEncoder(&frag)
			e.SetMaxDynamicTableSizeLimit(0)
			// Literal fields not indexed: each one costs the decoder its
			// full size, and the dynamic table never absorbs them.
			pad := strings.Repeat("a", 1000)
			for range 4 {
				e.WriteField(hpack.HeaderField{Name: "x-pad", Value: pad, Sensitive: true})
			}
			sentBytes := 0
			deadline := time.Now().Add(3 * time.Second)
			for sentBytes < 64<<20 && time.Now().Before(deadline) && !h.isClosed() {
				if err := h.fr.WriteContinuation(1, false, frag.Bytes()); err != nil {
					break
				}
				sentBytes += frag.Len()
				if err := h.bw.Flush(); err != nil {
					break
				}
			}
			select {
			case <-h.closed:
			case <-time.After(5 * time.Second):
			}
			t.Logf("header bytes sent in CONTINUATION frames: %d; connection closed: %v, GOAWAY %v", sentBytes, h.isClosed(), h.goAway.Load())
			if !h.isClosed() {
				t.Errorf("connection still open after %d bytes of CONTINUATION; want it closed", sentBytes)
			}
			// What was written includes what the kernel's socket buffers
			// took (a few MiB on loopback) after the server stopped reading.
			if sentBytes > 32<<20 {
				t.Errorf("%d header bytes written before the connection closed; want it cut soon after max_header_bytes (16 KiB)", sentBytes)
			}
			if code, _ := h.goAway.Load().(http2.ErrCode); code != http2.ErrCodeCompression && code != http2.ErrCodeProtocol {
				t.Errorf("GOAWAY %v; want COMPRESSION_ERROR or PROTOCOL_ERROR (the header block refused)", h.goAway.Load())
			}
			if got := seen.Load() - before; got != 0 {
				t.Errorf("service saw %d requests; want 0", got)
			}
			ft.check(t)
		})
	}
}

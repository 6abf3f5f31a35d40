package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// rawClient neither asks for nor undoes compression, so a test sees the
// bytes the gateway sent.
var rawClient = &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 10 * time.Second}

func rawGet(t *testing.T, g *gw, method, path string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, g.url(path), nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := rawClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func decode(t *testing.T, coding string, b []byte) string {
	t.Helper()
	var r io.Reader
	switch coding {
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		r = zr
	case "br":
		r = brotli.NewReader(bytes.NewReader(b))
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("zstd: %v", err)
		}
		defer zr.Close()
		r = zr
	default:
		return string(b)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %v", coding, err)
	}
	return string(out)
}

const compressConfig = `
services:
  - name: s
    targets: [{url: "${UP}"}]
routes:
  - name: r
    match: {path_prefix: /}
    service: s
    policies:
      compress:
        algorithms: [zstd, br, gzip]
        decompress_requests: {max_bytes: 1048576, max_ratio: 50}
`

func compressUpstream(t *testing.T) *httptest.Server {
	big := `{"items":"` + strings.Repeat("gatehouse ", 1000) + `"}`
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		switch r.URL.Path {
		case "/small":
			h.Set("Content-Type", "application/json")
			io.WriteString(w, `{"ok":true}`)
		case "/encoded":
			h.Set("Content-Type", "application/json")
			h.Set("Content-Encoding", "gzip")
			io.WriteString(w, "not really gzip, and must pass as it is")
		case "/no-transform":
			h.Set("Content-Type", "application/json")
			h.Set("Cache-Control", "public, no-transform")
			io.WriteString(w, big)
		case "/image":
			h.Set("Content-Type", "image/png")
			io.WriteString(w, big)
		case "/echo":
			b, _ := io.ReadAll(r.Body)
			h.Set("Content-Type", "text/plain")
			fmt.Fprintf(w, "%d %s %s", len(b), r.Header.Get("Content-Encoding"), b[:min(len(b), 20)])
		default:
			h.Set("Content-Type", "application/json; charset=utf-8")
			h.Set("ETag", `"v1"`)
			h.Set("Vary", "Origin")
			h.Set("Accept-Ranges", "bytes")
			io.WriteString(w, big)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func TestCompressNegotiation(t *testing.T) {
	up := compressUpstream(t)
	g := startGateway(t, compressConfig, map[string]string{"UP": up.URL})
	_, plain := rawGet(t, g, "GET", "/big")
	for _, tc := range []struct{ accept, want string }{
		{"gzip", "gzip"},
		{"br", "br"},
		{"gzip, br, zstd", "zstd"},
		{"gzip;q=1, br;q=0.5, zstd;q=0.1", "gzip"},
		{"zstd;q=0, *", "br"},
		{"identity", ""},
		{"", ""},
	} {
		resp, b := rawGet(t, g, "GET", "/big", "Accept-Encoding", tc.accept)
		if got := resp.Header.Get("Content-Encoding"); got != tc.want {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q; want %q", tc.accept, got, tc.want)
			continue
		}
		if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") || !strings.Contains(resp.Header.Get("Vary"), "Origin") {
			t.Errorf("Accept-Encoding %q: Vary %q; want Origin and Accept-Encoding", tc.accept, resp.Header.Get("Vary"))
		}
		if body := decode(t, tc.want, b); body != string(plain) {
			t.Errorf("Accept-Encoding %q: decoded body differs from the service's (%d vs %d bytes)", tc.accept, len(body), len(plain))
		}
		if tc.want != "" {
			if len(b) >= len(plain)/4 {
				t.Errorf("%s: %d bytes for %d; not compressed", tc.want, len(b), len(plain))
			}
			if resp.Header.Get("Etag") != `W/"v1"` || resp.Header.Get("Content-Length") != "" || resp.Header.Get("Accept-Ranges") != "" {
				t.Errorf("%s: ETag %q, Content-Length %q, Accept-Ranges %q; want a weak ETag and neither of the others",
					tc.want, resp.Header.Get("Etag"), resp.Header.Get("Content-Length"), resp.Header.Get("Accept-Ranges"))
			}
		} else if resp.Header.Get("Etag") != `"v1"` {
			t.Errorf("uncompressed answer's ETag changed to %q", resp.Header.Get("Etag"))
		}
	}
}

func TestCompressLeavesAlone(t *testing.T) {
	up := compressUpstream(t)
	g := startGateway(t, compressConfig, map[string]string{"UP": up.URL})
	for _, tc := range []struct{ method, path, wantEncoding, why string }{
		{"GET", "/small", "", "under min_bytes"},
		{"GET", "/encoded", "gzip", "already encoded: passed as it is, never twice"},
		{"GET", "/no-transform", "", "Cache-Control: no-transform"},
		{"GET", "/image", "", "a type not on the list"},
		{"HEAD", "/big", "", "HEAD"},
	} {
		resp, b := rawGet(t, g, tc.method, tc.path, "Accept-Encoding", "gzip, br, zstd")
		if got := resp.Header.Get("Content-Encoding"); got != tc.wantEncoding {
			t.Errorf("%s %s (%s): Content-Encoding %q; want %q", tc.method, tc.path, tc.why, got, tc.wantEncoding)
		}
		if tc.path == "/encoded" && string(b) != "not really gzip, and must pass as it is" {
			t.Errorf("an encoded answer was changed: %q", b)
		}
	}
}

// TestCompressStreamsEachEvent: an event stream is flushed per event, so
// the client reads the first before the service sends the second.
func TestCompressStreamsEachEvent(t *testing.T) {
	next := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range 2 {
			fmt.Fprintf(w, "data: event %d %s\n\n", i, strings.Repeat("x", 2000))
			w.(http.Flusher).Flush()
			if i == 0 {
				select {
				case <-next:
				case <-time.After(10 * time.Second):
					return
				}
			}
		}
	}))
	defer up.Close()
	g := startGateway(t, compressConfig, map[string]string{"UP": up.URL})
	req, _ := http.NewRequest("GET", g.url("/events"), nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := rawClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q; want gzip", resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(zr).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "data: event 0") {
		t.Fatalf("first event: %q, %v", line, err)
	}
	close(next) // only now does the service send the second
}

func gzipBytes(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func TestCompressDecodesRequests(t *testing.T) {
	up := compressUpstream(t)
	g := startGateway(t, compressConfig, map[string]string{"UP": up.URL})
	post := func(body []byte, encoding string) (*http.Response, string) {
		req, _ := http.NewRequest("POST", g.url("/echo"), bytes.NewReader(body))
		req.Header.Set("Content-Encoding", encoding)
		resp, err := rawClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	payload := []byte(`{"name":"` + strings.Repeat("a1b2c3d4", 100) + `"}`)
	if resp, body := post(gzipBytes(t, payload), "gzip"); resp.StatusCode != 200 || body != fmt.Sprintf("%d  %s", len(payload), payload[:20]) {
		t.Fatalf("gzip request: %d %q; want the service to see %d decoded bytes without Content-Encoding", resp.StatusCode, body, len(payload))
	}
	bomb := gzipBytes(t, make([]byte, 8<<20)) // 8 MiB of zeros in a few KB
	if resp, body := post(bomb, "gzip"); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("decompression bomb: %d %q; want 413", resp.StatusCode, body)
	}
	if resp, _ := post([]byte("not gzip at all"), "gzip"); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a body that is not gzip: %d; want 400", resp.StatusCode)
	}
	if resp, _ := post(payload, "compress"); resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Fatalf("an unknown coding: %d; want 415", resp.StatusCode)
	}
}

// TestCompressAfterBodyTransform: a response_transform that needs the
// body readable asks the service for identity, and compress still encodes
// the answer for the client that accepts gzip.
func TestCompressAfterBodyTransform(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"keep":"%s","secret":"s","ae":"%s"}`, strings.Repeat("k", 3000), r.Header.Get("Accept-Encoding"))
	}))
	defer up.Close()
	g := startGateway(t, `
services:
  - name: s
    targets: [{url: "${UP}"}]
routes:
  - name: r
    match: {path_prefix: /}
    service: s
    policies:
      response_transform: {body: {remove: [secret]}}
      compress: {}
`, map[string]string{"UP": up.URL})
	resp, b := rawGet(t, g, "GET", "/x", "Accept-Encoding", "gzip")
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q; want gzip", resp.Header.Get("Content-Encoding"))
	}
	body := decode(t, "gzip", b)
	if strings.Contains(body, "secret") || !strings.Contains(body, `"ae":""`) {
		t.Fatalf("body %q: want the field removed and the service asked for identity", body[len(body)-40:])
	}
}

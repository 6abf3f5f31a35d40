package sizelimit

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkHandleContentLength is the default limit on a request with a
// declared length: what request_size_limit adds to a proxied request
// (compare with internal/gateway's BenchmarkGateway).
func BenchmarkHandleContentLength(b *testing.B) {
	p := &Policy{max: DefaultMaxBytes}
	r := httptest.NewRequest("POST", "/", strings.NewReader("{}"))
	next := func(http.ResponseWriter, *http.Request) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		p.Handle(nil, r, next)
	}
}

// BenchmarkChunked4K counts a 4 KiB chunked body as the proxy would read it.
func BenchmarkChunked4K(b *testing.B) {
	p := &Policy{max: DefaultMaxBytes}
	body := strings.Repeat("x", 4096)
	buf := make([]byte, 32<<10)
	next := func(w http.ResponseWriter, r *http.Request) error {
		for {
			if _, err := r.Body.Read(buf); err != nil {
				return nil
			}
		}
	}
	sr := strings.NewReader(body)
	r := httptest.NewRequest("POST", "/", nil)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		sr.Reset(body)
		r.Body, r.ContentLength = io.NopCloser(sr), -1
		p.Handle(nil, r, next)
	}
}

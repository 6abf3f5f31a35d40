package cors

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkActualRequest is the cost cors adds to a proxied request from
// an allowed origin (the common case); compare with
// internal/gateway's BenchmarkGateway.
func BenchmarkActualRequest(b *testing.B) {
	p := build(b, &Spec{Origins: []string{"https://app.example.com", "https://*.example.org"}, Credentials: true, ExposedHeaders: []string{"X-Total"}})
	r := httptest.NewRequest("GET", "/x", nil)
	r.Header.Set("Origin", "https://a.example.org")
	next := func(http.ResponseWriter, *http.Request) error { return nil }
	w := &nopWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		p.Handle(w, r, next)
	}
}

type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *nopWriter) WriteHeader(int)             {}

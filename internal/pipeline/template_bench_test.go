package pipeline

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func BenchmarkTemplateExpand(b *testing.B) {
	r := httptest.NewRequest("GET", "/api/orders", nil)
	r.Header.Set("X-Tenant", "acme")
	st := &State{RequestID: "0f8fad5b-d9cb-469f-a165-70867728950e", ClientIP: "198.51.100.7", Route: "orders"}
	for _, c := range []struct{ name, src string }{
		{"constant", "gatehouse"},
		{"one variable", "{request_id}"},
		{"mixed", "id={request_id} ip={client_ip} route={route} tenant={header.X-Tenant}"},
	} {
		tpl, err := CompileTemplate(c.src)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if tpl.Expand(r, st) == "" {
					b.Fatal("empty expansion")
				}
			}
		})
	}
}

func BenchmarkAppendErrorJSON(b *testing.B) {
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendErrorJSON(buf[:0], 404, "no route matched", "0f8fad5b-d9cb-469f-a165-70867728950e")
	}
}

// discardWriter is a ResponseWriter that keeps nothing, so the benchmark
// measures the responder rather than a recorder.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

func BenchmarkWriteError(b *testing.B) {
	r := WithState(httptest.NewRequest("GET", "/", nil), &State{RequestID: "0f8fad5b-d9cb-469f-a165-70867728950e"})
	err := NewError(http.StatusNotFound, "no route matched")
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		WriteError(w, r, err)
	}
}

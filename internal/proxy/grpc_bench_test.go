package proxy

import (
	"net/http"
	"testing"
)

type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}

// One gRPC-Web-text message of 1 KiB through the translating writer.
func BenchmarkGRPCWebTextWrite(b *testing.B) {
	msg := make([]byte, 1029)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		w := &grpcWebWriter{ResponseWriter: &discardWriter{h: http.Header{}}, text: true, contentType: "application/grpc-web-text"}
		w.Write(msg)
		w.Flush()
	}
}

func BenchmarkParseGRPCTimeout(b *testing.B) {
	v := []string{"2999m"}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := parseGRPCTimeout(v); !ok {
			b.Fatal("refused")
		}
	}
}

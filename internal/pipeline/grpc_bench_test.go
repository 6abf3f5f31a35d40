package pipeline

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// IsGRPC runs on every proxied request.
func BenchmarkIsGRPC(b *testing.B) {
	h := http.Header{"Content-Type": {"application/json"}}
	g := http.Header{"Content-Type": {"application/grpc+proto"}}
	r := &http.Request{Header: h}
	q := &http.Request{Header: g}
	b.ReportAllocs()
	for b.Loop() {
		if IsGRPC(r) || !IsGRPC(q) {
			b.Fatal("wrong answer")
		}
	}
}

func BenchmarkWriteErrorGRPC(b *testing.B) {
	r := httptest.NewRequest(http.MethodPost, "/a.B/C", nil)
	r.Header.Set("Content-Type", "application/grpc")
	r = WithState(r, &State{RequestID: "rid"})
	pe := NewError(http.StatusTooManyRequests, "rate limit exceeded")
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		WriteError(w, r, pe)
	}
}

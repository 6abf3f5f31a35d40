package extauthz

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// BenchmarkCachedDecision is the per-request cost of ext_authz when the
// decision is cached: hashing what the authorizer would be told and one
// cache lookup.
func BenchmarkCachedDecision(b *testing.B) {
	var calls atomic.Int32
	a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("X-User", "ann")
	}))
	defer a.Close()
	p := build(b, `{url: "`+a.URL+`", cache_ttl: 1h, upstream_headers: [X-User]}`)
	r := httptest.NewRequest("GET", "/orders/42?x=1", nil)
	r.Header.Set("Authorization", "Bearer abcdefghijklmnopqrstuvwxyz")
	r = pipeline.WithState(r, &pipeline.State{Path: "/orders/42", RequestID: "rid"})
	next := func(http.ResponseWriter, *http.Request) error { return nil }
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Handle(w, r, next); err != nil {
			b.Fatal(err)
		}
	}
	if calls.Load() != 1 {
		b.Fatalf("authorizer called %d times; want once", calls.Load())
	}
}

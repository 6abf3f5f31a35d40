package cache

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/cache"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(int)             {}

// BenchmarkHit is the cost of answering from the memory store: key,
// lookup, headers and a 1 KB body written.
func BenchmarkHit(b *testing.B) {
	pol, err := (&Spec{}).Build(pipeline.BuildContext{Route: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	p := pol.(*policy)
	st := &pipeline.State{Host: "api.example.com", Path: "/items"}
	r := pipeline.WithState(httptest.NewRequest("GET", "/items?page=2&sort=asc", nil), st)
	key := p.keyer.key(r, st, false)
	p.kept.store.Set(key, &cache.Entry{
		Status: 200, StoredAt: time.Now(), Fresh: time.Hour,
		Header: http.Header{"Content-Type": {"application/json"}, "Cache-Control": {"max-age=3600"}},
		Body:   []byte(strings.Repeat("x", 1024)),
	}, time.Hour)
	miss := func(http.ResponseWriter, *http.Request) error { b.Fatal("not a hit"); return nil }
	w := &nopWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		if err := p.Handle(w, r, miss); err != nil {
			b.Fatal(err)
		}
	}
}

package versioning

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// BenchmarkMediaType is the per-request cost of reading the version from
// Accept and telling the service.
func BenchmarkMediaType(b *testing.B) {
	p := build(b, `{source: media_type, vendor: example, default: "2", `+versions+`}`)
	r := httptest.NewRequest("GET", "/o", nil)
	r.Header.Set("Accept", "application/vnd.example.v2+json")
	r = pipeline.WithState(r, &pipeline.State{Path: "/o"})
	next := func(http.ResponseWriter, *http.Request) error { return nil }
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Handle(w, r, next); err != nil {
			b.Fatal(err)
		}
	}
}

package headers

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// BenchmarkRequestHeaders is the per-request cost of a typical
// request_headers policy: one remove, one rename, a templated set and add.
func BenchmarkRequestHeaders(b *testing.B) {
	s := &Spec{forRequest: true, Remove: []string{"X-Debug"}, Rename: map[string]string{"X-Old": "X-New"},
		Set: map[string]string{"X-Request-Route": "{route}"}, Add: map[string]string{"X-Via": "gw {request_id}"}}
	p, err := s.Build(pipeline.BuildContext{})
	if err != nil {
		b.Fatal(err)
	}
	st := &pipeline.State{RequestID: "0f8fad5b-d9cb-469f-a165-70867728950e", Route: "orders"}
	r := pipeline.WithState(httptest.NewRequest("GET", "/", nil), st)
	next := func(http.ResponseWriter, *http.Request) error { return nil }
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		r.Header = http.Header{"X-Debug": {"1"}, "X-Old": {"v"}, "Accept": {"*/*"}}
		if err := p.Handle(w, r, next); err != nil {
			b.Fatal(err)
		}
	}
}

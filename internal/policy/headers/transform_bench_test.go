package headers

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// BenchmarkJSONTransform is the cost of a typical response trim per body
// size; divide ns/op by the size for the cost per KB.
func BenchmarkJSONTransform(b *testing.B) {
	o := &bodyOps{deny: []fieldPath{{"items", "cost"}}, set: []fieldValue{{fieldPath{"meta", "via"}, constTemplate("gatehouse")}}}
	for _, kb := range []int{1, 16, 256} {
		body := sampleBody(kb << 10)
		b.Run(fmt.Sprintf("%dKB", kb), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := o.transform(body, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// sampleBody is an API-like list of items of about n bytes.
func sampleBody(n int) []byte {
	var sb strings.Builder
	sb.WriteString(`{"items":[`)
	for i := 0; sb.Len() < n-80; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"sku":"SKU-%06d","name":"item %d","price":%d.99,"cost":%d,"tags":["a","b"]}`, i, i, i%100, i%50)
	}
	sb.WriteString(`],"total":1}`)
	return []byte(sb.String())
}

// BenchmarkRequestTransformQueryPath is the per-request cost of a query
// rename and a path rewrite with a capture, the common non-body case.
func BenchmarkRequestTransformQueryPath(b *testing.B) {
	ds, errs := decode(b, "request_transform", `{query: {remove: [debug], rename: {q: search}}, path: {regex: "^/api/users/(?P<id>[0-9]+)$", replace: "/v2/people/{id}"}}`)
	if len(errs) > 0 {
		b.Fatal(errs)
	}
	p, err := ds[0].Spec.Build(pipeline.BuildContext{})
	if err != nil {
		b.Fatal(err)
	}
	st := &pipeline.State{Path: "/api/users/42"}
	r := pipeline.WithState(httptest.NewRequest("GET", "/api/users/42?q=a&debug=1", nil), st)
	next := func(http.ResponseWriter, *http.Request) error { return nil }
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		r.URL.RawQuery = "q=a&debug=1"
		if err := p.Handle(w, r, next); err != nil {
			b.Fatal(err)
		}
	}
}

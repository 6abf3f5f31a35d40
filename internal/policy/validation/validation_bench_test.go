package validation

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// BenchmarkValidate is the per-request cost of a body schema with a query
// parameter, and of a whole OpenAPI operation, on a valid request.
func BenchmarkValidate(b *testing.B) {
	const body = `{"sku":"ABC-12","qty":3,"note":"gift"}`
	cases := []struct{ name, settings, target string }{
		{"schema", `{body: {schema_file: testdata/schemas/order.json}, query: [{name: dry_run, schema: {type: boolean}}]}`, "/o?dry_run=true"},
		{"openapi", `{openapi: {file: testdata/schemas/petstore.yaml}}`, "/pets"},
	}
	for _, c := range cases {
		p := build(b, c.settings)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			next := func(http.ResponseWriter, *http.Request) error { return nil }
			w := httptest.NewRecorder()
			reqBody := body
			if c.name == "openapi" {
				reqBody = `{"name":"rex","age":3}`
			}
			for b.Loop() {
				r := httptest.NewRequest("POST", c.target, strings.NewReader(reqBody))
				r.Header.Set("Content-Type", "application/json")
				r = pipeline.WithState(r, &pipeline.State{Path: r.URL.Path})
				if err := p.Handle(w, r, next); err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, r.Body)
			}
		})
	}
}

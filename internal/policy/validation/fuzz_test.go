package validation

import (
	"net/url"
	"testing"
)

// FuzzValidate sends untrusted bodies and query strings through a body
// schema, parameter schemas and an OpenAPI document: any answer is fine
// but a panic, and only the statuses the policy documents may come out.
func FuzzValidate(f *testing.F) {
	f.Add(`{"sku":"a","qty":1}`, "limit=5&tags=a,b")
	f.Add(`{"name":1}`, "limit=NaN")
	f.Add(`[`, "limit=1e400")
	schema := build(f, `{query: [{name: limit, schema: {type: integer}}, {name: tags, schema: {type: array, items: {type: string}}}], body: {schema: {type: object, properties: {qty: {type: integer}}}}}`)
	api := build(f, `{openapi: {file: testdata/schemas/petstore.yaml}}`)
	f.Fuzz(func(t *testing.T, body, query string) {
		q := "/pets?" + url.PathEscape(query)
		for _, r := range []result{
			run(t, schema, "POST", q, "application/json", body, nil),
			run(t, api, "POST", q, "application/json", body, nil),
		} {
			switch r.status {
			case 200, 400, 413, 415:
			default:
				t.Fatalf("status %d for body %q query %q", r.status, body, query)
			}
		}
	})
}

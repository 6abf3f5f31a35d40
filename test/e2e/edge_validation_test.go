package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

// validationError is request_validation's 400 body.
type validationError struct {
	errorBody
	Errors []struct {
		Location string `json:"location"`
		Reason   string `json:"reason"`
	} `json:"errors"`
}

// TestRequestValidation: JSON Schema bodies and parameters, and whole
// operations against an OpenAPI document; each failing location listed,
// 415 for another content type, and the service never sees a bad request.
func TestRequestValidation(t *testing.T) {
	up := echoServer(t, "echo")
	g := startGateway(t, `
services:
  - name: s
    targets: [{url: "${UP}"}]
routes:
  - name: orders
    match: {path_regex: "^/orders/(?P<id>[0-9a-z]+)$"}
    service: s
    policies:
      request_validation:
        body:
          schema:
            type: object
            required: [sku, qty]
            properties:
              sku: {type: string}
              qty: {type: integer, minimum: 1}
        query: [{name: dry_run, schema: {type: boolean}}]
        headers: [{name: X-Tenant, required: true}]
        path: [{name: id, schema: {type: string, pattern: "^[0-9]+$"}}]
  - name: pets
    match: {path_prefix: /api}
    service: s
    policies:
      request_validation:
        openapi: {file: testdata/petstore.yaml, base_path: /api}
`, map[string]string{"UP": up.URL})

	resp, body := g.do("POST", "/orders/12?dry_run=true", strings.NewReader(`{"sku":"a","qty":2}`), "Content-Type", "application/json", "X-Tenant", "acme")
	if resp.StatusCode != 200 || parseSeen(t, body).Body != `{"sku":"a","qty":2}` {
		t.Fatalf("valid request: %d %s", resp.StatusCode, body)
	}

	resp, body = g.do("POST", "/orders/ab?dry_run=maybe", strings.NewReader(`{"qty":0}`), "Content-Type", "application/json")
	var ve validationError
	if err := json.Unmarshal([]byte(body), &ve); err != nil || resp.StatusCode != 400 || ve.RequestID == "" || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("invalid request: %d %s", resp.StatusCode, body)
	}
	var locs []string
	for _, e := range ve.Errors {
		locs = append(locs, e.Location)
		if e.Reason == "" {
			t.Errorf("no reason for %s", e.Location)
		}
	}
	want := "query.dry_run header.X-Tenant path.id body body/qty"
	if strings.Join(locs, " ") != want {
		t.Errorf("locations %v; want %s", locs, want)
	}

	resp, body = g.do("POST", "/orders/1", strings.NewReader(`sku=a`), "Content-Type", "application/x-www-form-urlencoded", "X-Tenant", "a")
	if resp.StatusCode != 415 || parseError(t, body).Status != 415 {
		t.Errorf("form body: %d %s; want 415", resp.StatusCode, body)
	}

	big := `{"sku":"` + strings.Repeat("x", 2<<20) + `","qty":1}`
	resp, body = g.do("POST", "/orders/1", strings.NewReader(big), "Content-Type", "application/json", "X-Tenant", "a")
	if resp.StatusCode != 413 || parseError(t, body).Status != 413 {
		t.Errorf("body over max_body_bytes: %d; want 413", resp.StatusCode)
	}

	// OpenAPI operations.
	for _, c := range []struct {
		method, path, body string
		status             int
	}{
		{"GET", "/api/pets?limit=5", "", 200},
		{"GET", "/api/pets?limit=500", "", 400},
		{"POST", "/api/pets", `{"name":"rex"}`, 200},
		{"POST", "/api/pets", `{"name":""}`, 400},
		{"DELETE", "/api/pets", "", 405},
		{"GET", "/api/unknown", "", 404},
	} {
		var rb *strings.Reader
		if c.body != "" {
			rb = strings.NewReader(c.body)
		}
		var resp2 = func() int {
			if rb == nil {
				r, _ := g.do(c.method, c.path, nil)
				return r.StatusCode
			}
			r, _ := g.do(c.method, c.path, rb, "Content-Type", "application/json")
			return r.StatusCode
		}()
		if resp2 != c.status {
			t.Errorf("%s %s: %d; want %d", c.method, c.path, resp2, c.status)
		}
	}
}

// TestRequestValidationBrokenSchema: a schema that breaks the metaschema
// fails validate with its path, before anything is served.
func TestRequestValidationBrokenSchema(t *testing.T) {
	_, errs := loadErrors(t, `
services:
  - name: s
    targets: [{url: "http://127.0.0.1:1"}]
routes:
  - match: {path_prefix: /}
    service: s
    policies:
      request_validation:
        body: {schema: {type: object, properties: {qty: {minimum: "one"}}}}
`)
	if !strings.Contains(errs, "routes[0].policies.request_validation.body.schema: invalid JSON Schema: at /properties/qty/minimum") {
		t.Errorf("errors %q; want the schema refused at its path", errs)
	}
}

package validation

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

func build(t testing.TB, settings string) pipeline.Policy {
	t.Helper()
	var node yaml.Node
	if err := yaml.Unmarshal([]byte(settings), &node); err != nil {
		t.Fatal(err)
	}
	ds, errs := pipeline.Decode(config.Policies{"request_validation": {Path: "routes[0].policies.request_validation", Node: node.Content[0]}})
	if len(errs) > 0 {
		t.Fatalf("%s: %v", settings, errs)
	}
	p, err := ds[0].Spec.Build(pipeline.BuildContext{Path: ds[0].Path})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type result struct {
	status int
	probs  []Problem
	body   string // what the next handler read
}

func run(t testing.TB, p pipeline.Policy, method, target, ctype, body string, st *pipeline.State, hdr ...string) result {
	t.Helper()
	var rb io.Reader
	if body != "" {
		rb = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rb)
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	if st == nil {
		st = &pipeline.State{RequestID: "rid"}
	}
	if st.Path == "" {
		st.Path = r.URL.Path
	}
	r = pipeline.WithState(r, st)
	w := httptest.NewRecorder()
	res := result{}
	err := p.Handle(w, r, func(w http.ResponseWriter, r *http.Request) error {
		b, _ := io.ReadAll(r.Body)
		res.body = string(b)
		w.WriteHeader(200)
		return nil
	})
	if err != nil {
		res.status = pipeline.AsError(err).Status
		return res
	}
	res.status = w.Code
	if w.Code == 400 {
		var a answer
		if err := json.Unmarshal(w.Body.Bytes(), &a); err != nil || a.Status != 400 || a.RequestID != "rid" {
			t.Fatalf("400 body %q is not the error shape: %v", w.Body.String(), err)
		}
		res.probs = a.Errors
	}
	return res
}

func TestBodySchemaInline(t *testing.T) {
	p := build(t, `{body: {required: true, schema: {type: object, required: [sku, qty], properties: {sku: {type: string}, qty: {type: integer, minimum: 1}, items: {type: array, items: {type: object, properties: {n: {type: integer}}}}}}}}`)
	if r := run(t, p, "POST", "/o", "application/json", `{"sku":"a","qty":2}`, nil); r.status != 200 || r.body != `{"sku":"a","qty":2}` {
		t.Errorf("valid body: %d, service got %q", r.status, r.body)
	}
	r := run(t, p, "POST", "/o", "application/json", `{"qty":0,"items":[{"n":"x"}]}`, nil)
	want := []string{"body", "body/items/0/n", "body/qty"}
	var got []string
	for _, pr := range r.probs {
		got = append(got, pr.Location)
		if pr.Reason == "" {
			t.Errorf("no reason at %s", pr.Location)
		}
	}
	if r.status != 400 || !reflect.DeepEqual(got, want) {
		t.Errorf("invalid body: %d %v; want 400 at %v", r.status, r.probs, want)
	}
	if r := run(t, p, "POST", "/o", "text/plain", `{"sku":"a","qty":2}`, nil); r.status != 415 {
		t.Errorf("text/plain: %d; want 415", r.status)
	}
	if r := run(t, p, "POST", "/o", "", "", nil); r.status != 400 || len(r.probs) != 1 || r.probs[0].Location != "body" {
		t.Errorf("missing body: %d %v; want 400 body required", r.status, r.probs)
	}
	if r := run(t, p, "POST", "/o", "application/json", `{"sku":`, nil); r.status != 400 {
		t.Errorf("broken JSON: %d; want 400", r.status)
	}
}

func TestBodySchemaFileAndLimit(t *testing.T) {
	p := build(t, `{max_body_bytes: 64, body: {schema_file: testdata/schemas/order.json, content_types: [application/json, application/vnd.shop+json]}}`)
	if r := run(t, p, "POST", "/o", "application/vnd.shop+json", `{"sku":"ABC-1","qty":1}`, nil); r.status != 200 {
		t.Errorf("valid: %d %v", r.status, r.probs)
	}
	if r := run(t, p, "POST", "/o", "application/json", `{"sku":"abc","qty":1,"x":1}`, nil); r.status != 400 || len(r.probs) != 2 {
		t.Errorf("pattern and additionalProperties: %d %v; want two problems", r.status, r.probs)
	}
	if r := run(t, p, "POST", "/o", "application/json", `{"sku":"ABC-1","qty":1,"note":"`+strings.Repeat("x", 64)+`"}`, nil); r.status != 413 {
		t.Errorf("over max_body_bytes: %d; want 413", r.status)
	}
}

func TestParameters(t *testing.T) {
	p := build(t, `{query: [{name: limit, schema: {type: integer, maximum: 100}}, {name: tags, schema: {type: array, maxItems: 2}}, {name: q, required: true}], headers: [{name: x-tenant, required: true, schema: {type: string, pattern: "^[a-z]+$"}}], path: [{name: id, schema: {type: integer}}]}`)
	st := &pipeline.State{RequestID: "rid", Captures: []pipeline.Capture{{Name: "id", Value: "42"}}}
	if r := run(t, p, "GET", "/x?limit=5&q=a&tags=a,b", "", "", st, "X-Tenant", "acme"); r.status != 200 {
		t.Errorf("valid: %d %v", r.status, r.probs)
	}
	st = &pipeline.State{RequestID: "rid", Captures: []pipeline.Capture{{Name: "id", Value: "x"}}}
	r := run(t, p, "GET", "/x?limit=500&tags=a,b,c", "", "", st, "X-Tenant", "ACME")
	var got []string
	for _, pr := range r.probs {
		got = append(got, pr.Location)
	}
	want := []string{"query.limit", "query.tags", "query.q", "header.X-Tenant", "path.id"}
	if r.status != 400 || !reflect.DeepEqual(got, want) {
		t.Errorf("invalid: %d %v; want 400 at %v", r.status, r.probs, want)
	}
	if r := run(t, p, "GET", "/x?limit=NaN&q=1", "", "", nil, "X-Tenant", "a"); r.status != 400 || r.probs[0].Reason != "must be a number" {
		t.Errorf("limit=NaN: %d %v", r.status, r.probs)
	}
}

func TestOpenAPI(t *testing.T) {
	p := build(t, `{openapi: {file: testdata/schemas/petstore.yaml, base_path: /api}}`)
	cases := []struct {
		method, target, ctype, body string
		hdr                         []string
		status                      int
		locs                        []string
	}{
		{"GET", "/api/pets?limit=10", "", "", nil, 200, nil},
		{"GET", "/api/pets?limit=1000", "", "", nil, 400, []string{"query.limit"}},
		{"POST", "/api/pets", "application/json", `{"name":"rex","age":3}`, nil, 200, nil},
		{"POST", "/api/pets", "application/json", `{"age":-1}`, nil, 400, []string{"body/age", "body/name"}},
		{"POST", "/api/pets", "text/plain", `name=rex`, nil, 415, nil},
		{"GET", "/api/pets/12", "", "", []string{"X-Tenant", "a"}, 200, nil},
		{"GET", "/api/pets/x", "", "", nil, 400, []string{"header.X-Tenant", "path.id"}},
		{"DELETE", "/api/pets", "", "", nil, 405, nil},
		{"GET", "/api/owners", "", "", nil, 404, nil},
		{"GET", "/other/pets", "", "", nil, 404, nil},
	}
	for _, c := range cases {
		r := run(t, p, c.method, c.target, c.ctype, c.body, nil, c.hdr...)
		var got []string
		for _, pr := range r.probs {
			got = append(got, pr.Location)
		}
		if len(got) > 1 {
			// The library's order is not ours to promise.
			sortStrings(got)
		}
		if r.status != c.status || !reflect.DeepEqual(got, c.locs) {
			t.Errorf("%s %s: %d %v; want %d at %v", c.method, c.target, r.status, r.probs, c.status, c.locs)
		}
	}
}

func sortStrings(s []string) {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
}

package headers

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

func jsonEq(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("result %q is not JSON: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("body %s; want %s", got, want)
	}
}

func TestRequestTransformBody(t *testing.T) {
	p := build(t, "request_transform", `{body: {remove: [debug], rename: {user.name: user.full_name}, set: {meta.ip: "{client_ip}", meta.consumer: "{consumer}"}, add: {source: web}}}`)
	st := *testState
	st.Consumer = &pipeline.Consumer{Name: "mobile"}
	r := pipeline.WithState(httptest.NewRequest("POST", "/x", strings.NewReader(`{"debug":true,"user":{"name":"Ann"},"source":"app","n":12345678901234567890}`)), &st)
	r.Header.Set("Content-Type", "application/json; charset=utf-8")
	var got []byte
	var gotLen int64
	err := p.Handle(httptest.NewRecorder(), r, func(w http.ResponseWriter, r *http.Request) error {
		got, _ = io.ReadAll(r.Body)
		gotLen = r.ContentLength
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	jsonEq(t, got, `{"user":{"full_name":"Ann"},"source":"app","n":12345678901234567890,"meta":{"ip":"198.51.100.7","consumer":"mobile"}}`)
	if !bytes.Contains(got, []byte("12345678901234567890")) {
		t.Errorf("big number lost its digits: %s", got)
	}
	if gotLen != int64(len(got)) || r.Header.Get("Content-Length") != strconv.Itoa(len(got)) {
		t.Errorf("content length %d / %q; body is %d bytes", gotLen, r.Header.Get("Content-Length"), len(got))
	}
}

func TestRequestTransformPassesUntouched(t *testing.T) {
	cases := []struct{ name, ctype, body string }{
		{"not json content type", "text/plain", `{"debug":1}`},
		{"over the limit", "application/json", `{"debug":"` + strings.Repeat("x", 100) + `"}`},
		{"not an object", "application/json", `[1,2]`},
		{"broken json", "application/json", `{"debug":`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := build(t, "request_transform", `{max_body_bytes: 64, body: {remove: [debug]}}`)
			r := pipeline.WithState(httptest.NewRequest("POST", "/x", strings.NewReader(c.body)), testState)
			r.ContentLength = -1 // as a chunked upload
			r.Header.Set("Content-Type", c.ctype)
			var got []byte
			p.Handle(httptest.NewRecorder(), r, func(w http.ResponseWriter, r *http.Request) error {
				got, _ = io.ReadAll(r.Body)
				return nil
			})
			if string(got) != c.body {
				t.Fatalf("body %q; want it untouched %q", got, c.body)
			}
		})
	}
}

func TestRequestTransformQueryAndPath(t *testing.T) {
	p := build(t, "request_transform", `{query: {remove: [debug], rename: {q: search}, set: {caller: "{consumer}"}, add: {page: "1"}}, path: {regex: "^/api/users/(?P<id>[0-9]+)$", replace: "/v2/people/{id}/{tenant}"}}`)
	st := *testState
	st.Path = "/api/users/42"
	st.Consumer = &pipeline.Consumer{Name: "app"}
	st.Captures = []pipeline.Capture{{Name: "tenant", Value: "acme"}}
	r := pipeline.WithState(httptest.NewRequest("GET", "/api/users/42?debug=1&q=a&q=b&page=3", nil), &st)
	p.Handle(httptest.NewRecorder(), r, func(http.ResponseWriter, *http.Request) error { return nil })
	if got, want := r.URL.RawQuery, "caller=app&page=3&search=a&search=b"; got != want {
		t.Errorf("query %q; want %q", got, want)
	}
	if st.UpstreamPath != "/v2/people/42/acme" {
		t.Errorf("upstream path %q; want /v2/people/42/acme", st.UpstreamPath)
	}
	st.UpstreamPath, st.Path = "", "/api/orders"
	p.Handle(httptest.NewRecorder(), r, func(http.ResponseWriter, *http.Request) error { return nil })
	if st.UpstreamPath != "" {
		t.Errorf("a path the regex does not match was rewritten to %q", st.UpstreamPath)
	}
}

func respond(t *testing.T, p pipeline.Policy, resp *http.Response) []byte {
	t.Helper()
	b := respondRaw(t, p, resp)
	if resp.ContentLength != int64(len(b)) || resp.Header.Get("Content-Length") != strconv.Itoa(len(b)) {
		t.Errorf("content length %d / %q; body is %d bytes", resp.ContentLength, resp.Header.Get("Content-Length"), len(b))
	}
	return b
}

func respondRaw(t *testing.T, p pipeline.Policy, resp *http.Response) []byte {
	t.Helper()
	if err := p.(pipeline.ResponsePolicy).ModifyResponse(resp, testState); err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	return b
}

func jsonResponse(body string, hdr ...string) *http.Response {
	h := http.Header{"Content-Type": {"application/json"}}
	for i := 0; i+1 < len(hdr); i += 2 {
		h.Set(hdr[i], hdr[i+1])
	}
	return &http.Response{StatusCode: 200, Header: h, Body: io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)), Request: httptest.NewRequest("GET", "/", nil)}
}

func TestResponseTransformAllowDeny(t *testing.T) {
	p := build(t, "response_transform", `{body: {allow: [id, name, items.sku, items.price]}}`)
	got := respond(t, p, jsonResponse(`{"id":1,"name":"a","secret":"s","items":[{"sku":"x","price":2,"cost":1},{"sku":"y","cost":3}]}`, "ETag", `"upstream"`))
	jsonEq(t, got, `{"id":1,"name":"a","items":[{"sku":"x","price":2},{"sku":"y"}]}`)

	p = build(t, "response_transform", `{body: {deny: [secret, items.cost]}}`)
	resp := jsonResponse(`[{"id":1,"secret":"s","items":[{"sku":"x","cost":1}]}]`, "ETag", `"upstream"`)
	got = respond(t, p, resp)
	jsonEq(t, got, `[{"id":1,"items":[{"sku":"x"}]}]`)
	if et := resp.Header.Get("Etag"); et == `"upstream"` || !strings.HasPrefix(et, `"`) {
		t.Errorf("ETag %q; want a new strong ETag for the new body", et)
	}
}

func TestResponseTransformSkips(t *testing.T) {
	p := build(t, "response_transform", `{max_body_bytes: 16, body: {deny: [a]}}`)
	for _, resp := range []*http.Response{
		jsonResponse(`{"a":1,"bbbbbbbbbbbbbbbbbbbbbbbbbbb":2}`),
		jsonResponse(`{"a":1}`, "Content-Type", "text/html"),
		jsonResponse(`{"a":1}`, "Content-Encoding", "gzip"),
	} {
		want, _ := io.ReadAll(resp.Body)
		resp.Body = io.NopCloser(bytes.NewReader(want))
		resp.ContentLength = -1
		if got := respondRaw(t, p, resp); !bytes.Equal(got, want) || resp.Header.Get("Content-Length") != "" {
			t.Errorf("body %q; want untouched %q", got, want)
		}
	}
}

func TestResponseTransformTimings(t *testing.T) {
	p := build(t, "response_transform", `{headers: {set: {X-Response-Time: "{latency}ms", X-Upstream-Time: "{upstream_latency}"}}}`)
	st := *testState
	st.UpstreamLatency = 1500 * 1000 // 1.5ms
	resp := jsonResponse(`{}`)
	p.(pipeline.ResponsePolicy).ModifyResponse(resp, &st)
	if got := resp.Header.Get("X-Upstream-Time"); got != "1.500" {
		t.Errorf("X-Upstream-Time %q; want 1.500", got)
	}
	if got := resp.Header.Get("X-Response-Time"); !strings.HasSuffix(got, "ms") || len(got) < 7 {
		t.Errorf("X-Response-Time %q; want milliseconds", got)
	}
}

func TestTransformValidate(t *testing.T) {
	cases := []struct {
		name, policy, settings string
		want                   []string
	}{
		{"nothing", "request_transform", `{}`, []string{`routes[0].policies.request_transform: needs at least one of headers, query, path, body`}},
		{"gateway header", "request_transform", `{headers: {set: {X-Forwarded-Proto: https}}}`,
			[]string{`routes[0].policies.request_transform.headers.set.X-Forwarded-Proto: header "X-Forwarded-Proto" cannot be changed: it is set by the gateway`}},
		{"query on responses", "response_transform", `{query: {remove: [a]}}`, []string{`routes[0].policies.response_transform.query: only request_transform`}},
		{"allow on requests", "request_transform", `{body: {allow: [a]}}`, []string{`routes[0].policies.request_transform.body: allow and deny trim responses`}},
		{"bad field path", "response_transform", `{body: {deny: [a..b]}}`, []string{`routes[0].policies.response_transform.body.deny[0]: invalid field path "a..b"`}},
		{"bad regex", "request_transform", `{path: {regex: "(", replace: /x}}`, []string{`routes[0].policies.request_transform.path.regex: invalid regular expression`}},
		{"relative replace", "request_transform", `{path: {replace: x}}`, []string{`routes[0].policies.request_transform.path.replace: must be a path starting with "/"`}},
		{"bad template", "request_transform", `{body: {set: {a: "{nope}"}}}`, []string{`routes[0].policies.request_transform.body.set.a: unknown variable {nope}`}},
		{"negative limit", "response_transform", `{max_body_bytes: -1, body: {deny: [a]}}`, []string{`routes[0].policies.response_transform.max_body_bytes: must not be negative`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, errs := decode(t, c.policy, c.settings)
			var all []string
			for _, e := range errs {
				all = append(all, e.Error())
			}
			joined := strings.Join(all, "\n")
			for _, w := range c.want {
				if !strings.Contains(joined, w) {
					t.Errorf("errors:\n%s\nwant one containing %q", joined, w)
				}
			}
		})
	}
}

// TestTransformSkipIsLogged: a body that could not be transformed says so
// in the log, with the reason.
func TestTransformSkipIsLogged(t *testing.T) {
	ds, errs := decode(t, "response_transform", `{body: {deny: [a]}}`)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var logs bytes.Buffer
	p, err := ds[0].Spec.Build(pipeline.BuildContext{Path: ds[0].Path, Route: "bff", Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	respondRaw(t, p, jsonResponse(`<html>`, "Content-Type", "text/html"))
	if got := logs.String(); !strings.Contains(got, "body not transformed") || !strings.Contains(got, "route=bff") || !strings.Contains(got, `reason="not JSON"`) {
		t.Errorf("log %q; want the skipped body reported with route and reason", got)
	}
}

// TestResponseTransformBodiless: HEAD and 304 answers keep no validator of
// the service's untransformed body.
func TestResponseTransformBodiless(t *testing.T) {
	p := build(t, "response_transform", `{body: {deny: [a]}}`)
	head := jsonResponse("", "ETag", `"v1"`, "Content-Length", "120")
	head.Request = httptest.NewRequest("HEAD", "/", nil)
	head.Body, head.ContentLength = http.NoBody, 120
	p.(pipeline.ResponsePolicy).ModifyResponse(head, testState)
	if head.Header.Get("Etag") != "" || head.Header.Get("Content-Length") != "" {
		t.Errorf("HEAD kept %v; want no ETag or Content-Length of the service's body", head.Header)
	}
	nm := &http.Response{StatusCode: 304, Header: http.Header{"Etag": {`"v1"`}}, Body: http.NoBody, Request: httptest.NewRequest("GET", "/", nil)}
	p.(pipeline.ResponsePolicy).ModifyResponse(nm, testState)
	if nm.Header.Get("Etag") != "" {
		t.Errorf("304 kept ETag %q", nm.Header.Get("Etag"))
	}
	// Without a body transform nothing changes.
	p = build(t, "response_transform", `{headers: {set: {X-A: "1"}}}`)
	nm.Header.Set("Etag", `"v1"`)
	p.(pipeline.ResponsePolicy).ModifyResponse(nm, testState)
	if nm.Header.Get("Etag") != `"v1"` {
		t.Error("a header-only transform dropped the ETag")
	}
}

package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// TestRequestTransform: query, path and JSON body rewritten on the way to
// the service, with the framing the service sees matching the new body.
func TestRequestTransform(t *testing.T) {
	up := echoServer(t, "echo")
	g := startGateway(t, `
services:
  - name: s
    targets: [{url: "${UP}"}]
consumers:
  - name: mobile
    api_keys: [{ key: "Key-Mobile-1" }]
routes:
  - name: users
    match: {path_regex: "^/api/users/(?P<id>[0-9]+)$"}
    service: s
    policies:
      key_auth: {}
      request_transform:
        query: {remove: [debug], rename: {q: search}, add: {page: "1"}}
        path: {replace: "/v2/people/{id}"}
        body:
          remove: [admin]
          rename: {name: full_name}
          set: {meta.client_ip: "{client_ip}", meta.consumer: "{consumer}"}
  - name: plain
    match: {path_prefix: /plain}
    service: s
    policies:
      request_transform:
        max_body_bytes: 32
        body: {remove: [admin]}
`, map[string]string{"UP": up.URL})

	resp, body := g.do("POST", "/api/users/42?debug=1&q=ann", strings.NewReader(`{"name":"Ann","admin":true}`),
		"Content-Type", "application/json", "X-API-Key", "Key-Mobile-1")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d %s", resp.StatusCode, body)
	}
	s := parseSeen(t, body)
	if s.Path != "/v2/people/42" || s.Query != "page=1&search=ann" {
		t.Errorf("service got %s?%s; want /v2/people/42?page=1&search=ann", s.Path, s.Query)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(s.Body), &got); err != nil {
		t.Fatalf("service got body %q: %v", s.Body, err)
	}
	meta, _ := got["meta"].(map[string]any)
	if got["full_name"] != "Ann" || got["admin"] != nil || meta["client_ip"] != "127.0.0.1" || meta["consumer"] != "mobile" {
		t.Errorf("service got body %s", s.Body)
	}
	if cl := http.Header(s.Header).Get("Content-Length"); cl != strconv.Itoa(len(s.Body)) {
		t.Errorf("service got Content-Length %q for a %d-byte body", cl, len(s.Body))
	}

	// Over the limit, or not JSON: untouched, and the log says why.
	big := `{"admin":true,"pad":"` + strings.Repeat("x", 64) + `"}`
	for _, c := range []struct{ ctype, body string }{{"application/json", big}, {"text/plain", `{"admin":true}`}} {
		_, body := g.do("POST", "/plain", strings.NewReader(c.body), "Content-Type", c.ctype)
		if s := parseSeen(t, body); s.Body != c.body {
			t.Errorf("%s body reached the service as %q; want untouched", c.ctype, s.Body)
		}
	}
}

// TestResponseTransform: a response trimmed to an allowlist, with a
// Content-Length and ETag that fit the new body, and timing headers.
func TestResponseTransform(t *testing.T) {
	const full = `{"id":7,"name":"Ann","password_hash":"x","orders":[{"id":1,"total":5,"internal":"a"},{"id":2,"total":9,"internal":"b"}]}`
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		if r.Header.Get("Accept-Encoding") != "" {
			w.Header().Set("X-Saw-Accept-Encoding", "yes")
		}
		if r.URL.Path == "/html" {
			w.Header().Set("Content-Type", "text/html")
		} else {
			w.Header().Set("Content-Type", "application/json")
		}
		io.WriteString(w, full)
	}))
	t.Cleanup(up.Close)
	g := startGateway(t, `
services:
  - name: s
    targets: [{url: "${UP}"}]
routes:
  - name: bff
    match: {path_prefix: /}
    service: s
    policies:
      response_transform:
        headers: {set: {X-Response-Time: "{latency}ms", X-Upstream-Time: "{upstream_latency}ms"}}
        body: {allow: [id, name, orders.id, orders.total]}
`, map[string]string{"UP": up.URL})

	resp, body := g.do("GET", "/me", nil, "Accept-Encoding", "gzip")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var got, want any
	json.Unmarshal([]byte(body), &got)
	json.Unmarshal([]byte(`{"id":7,"name":"Ann","orders":[{"id":1,"total":5},{"id":2,"total":9}]}`), &want)
	if b1, _ := json.Marshal(got); string(b1) != mustJSON(want) {
		t.Errorf("body %s; want the allowlisted fields", body)
	}
	if cl := resp.Header.Get("Content-Length"); cl != strconv.Itoa(len(body)) {
		t.Errorf("Content-Length %q for a %d-byte body", cl, len(body))
	}
	if et := resp.Header.Get("Etag"); et == `"v1"` || et == "" {
		t.Errorf("ETag %q; want a new one for the new body", et)
	}
	if resp.Header.Get("X-Saw-Accept-Encoding") != "" {
		t.Error("the service was allowed to compress a body the gateway must read")
	}
	for _, h := range []string{"X-Response-Time", "X-Upstream-Time"} {
		v := strings.TrimSuffix(resp.Header.Get(h), "ms")
		if f, err := strconv.ParseFloat(v, 64); err != nil || f < 0 {
			t.Errorf("%s %q; want milliseconds", h, resp.Header.Get(h))
		}
	}
	// The same response body twice gets the same ETag.
	resp2, _ := g.do("GET", "/me", nil)
	if resp2.Header.Get("Etag") != resp.Header.Get("Etag") {
		t.Errorf("ETag %q then %q for the same body", resp.Header.Get("Etag"), resp2.Header.Get("Etag"))
	}
	// Not JSON: untouched, ETag kept.
	resp, body = g.do("GET", "/html", nil)
	if body != full || resp.Header.Get("Etag") != `"v1"` {
		t.Errorf("text/html response changed: %q etag %q", body, resp.Header.Get("Etag"))
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestGatewayOwnedHeadersRefused: a transform that sets a header the
// gateway rebuilds is a config error, not a silent no-op.
func TestGatewayOwnedHeadersRefused(t *testing.T) {
	_, errs := loadErrors(t, `
services:
  - name: s
    targets: [{url: "http://127.0.0.1:1"}]
routes:
  - match: {path_prefix: /}
    service: s
    policies:
      request_transform: {headers: {set: {X-Forwarded-Proto: https}}}
`)
	if !strings.Contains(errs, `routes[0].policies.request_transform.headers.set.X-Forwarded-Proto: header "X-Forwarded-Proto" cannot be changed`) {
		t.Errorf("errors %q; want X-Forwarded-Proto refused at its path", errs)
	}
}

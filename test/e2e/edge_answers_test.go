package e2e

import (
	"net/http"
	"sync/atomic"
	"testing"
)

const answersConfig = `
services:
  - name: s
    targets: [{url: "${UP}"}]
routes:
  - name: moved
    match: {path_prefix: /old}
    service: s
    policies:
      redirect: {location: "https://new.example.com{path}", status: 308, keep_query: true}
  - name: moved-default
    match: {path_prefix: /gone}
    service: s
    policies:
      redirect: {location: "/elsewhere"}
  - name: mock
    match: {path: /mock}
    service: s
    policies:
      static_response:
        status: 202
        content_type: application/json
        headers: {X-Mock: "yes"}
        body: '{"id":1}'
  - name: maintenance
    match: {path_prefix: /maint}
    service: s
    policies:
      static_response: {status: 503, headers: {Retry-After: "120"}, body: "down for maintenance"}
  - name: terminated
    match: {path_prefix: /terminated}
    service: s
    policies:
      request_termination: {status: 410, message: "this API is retired"}
  - name: terminated-body
    match: {path_prefix: /custom}
    service: s
    policies:
      request_termination: {status: 451, body: "<p>no</p>", content_type: "text/html"}
  - name: triggered
    match: {path_prefix: /triggered}
    service: s
    policies:
      request_termination: {trigger: X-Simulate-Outage}
  - name: authed
    match: {path_prefix: /authed}
    service: s
    policies:
      key_auth: {}
      static_response: {body: "secret mock"}
consumers:
  - name: c
    api_keys: [{key: "k-123456789012345678901234567890"}]
`

func TestAnswers(t *testing.T) {
	var calls atomic.Int64
	up := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Write([]byte("from service"))
	}))
	g := startGateway(t, answersConfig, map[string]string{"UP": up})

	resp, _ := g.do("POST", "/old/a/b?x=1&y=2", nil)
	if resp.StatusCode != 308 || resp.Header.Get("Location") != "https://new.example.com/old/a/b?x=1&y=2" {
		t.Errorf("redirect: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = g.do("GET", "/gone?q=1", nil)
	if resp.StatusCode != 301 || resp.Header.Get("Location") != "/elsewhere" {
		t.Errorf("default redirect: %d to %q; want 301 to /elsewhere", resp.StatusCode, resp.Header.Get("Location"))
	}

	resp, body := g.do("GET", "/mock", nil)
	if resp.StatusCode != 202 || body != `{"id":1}` || resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("X-Mock") != "yes" {
		t.Errorf("mock: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	resp, body = g.do("HEAD", "/mock", nil)
	if resp.StatusCode != 202 || body != "" {
		t.Errorf("HEAD mock: %d %q; want 202 without a body", resp.StatusCode, body)
	}
	resp, body = g.do("GET", "/maint/x", nil)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "120" || body != "down for maintenance" {
		t.Errorf("maintenance: %d %q Retry-After %q", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}

	resp, body = g.do("DELETE", "/terminated", nil)
	if resp.StatusCode != 410 {
		t.Errorf("termination: %d; want 410", resp.StatusCode)
	}
	if e := parseError(t, body); e.Error != "this API is retired" || e.Status != 410 {
		t.Errorf("termination error %+v", e)
	}
	resp, body = g.do("GET", "/custom", nil)
	if resp.StatusCode != 451 || body != "<p>no</p>" || resp.Header.Get("Content-Type") != "text/html" {
		t.Errorf("termination with body: %d %q %q", resp.StatusCode, body, resp.Header.Get("Content-Type"))
	}

	// Trigger: only requests that carry the header or parameter stop.
	resp, body = g.do("GET", "/triggered", nil)
	if resp.StatusCode != 200 || body != "from service" {
		t.Errorf("untriggered: %d %q; want the service's answer", resp.StatusCode, body)
	}
	resp, _ = g.do("GET", "/triggered", nil, "X-Simulate-Outage", "1")
	if resp.StatusCode != 503 {
		t.Errorf("triggered by header: %d; want 503", resp.StatusCode)
	}
	resp, _ = g.do("GET", "/triggered?X-Simulate-Outage", nil)
	if resp.StatusCode != 503 {
		t.Errorf("triggered by query: %d; want 503", resp.StatusCode)
	}

	// Answers run after authentication.
	resp, _ = g.do("GET", "/authed", nil)
	if resp.StatusCode != 401 {
		t.Errorf("static_response without a key: %d; want 401", resp.StatusCode)
	}
	resp, body = g.do("GET", "/authed", nil, "X-Api-Key", "k-123456789012345678901234567890")
	if resp.StatusCode != 200 || body != "secret mock" {
		t.Errorf("static_response with a key: %d %q", resp.StatusCode, body)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("the service got %d calls; want 1 (the untriggered one)", n)
	}
}

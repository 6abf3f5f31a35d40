package e2e

import (
	"net/http"
	"testing"
)

// TestAPIVersioning: the version from a vendor media type (default when
// none), told to the service; a deprecated version gets Deprecation,
// Sunset and Link and is counted by consumer; an unknown one is 400.
func TestAPIVersioning(t *testing.T) {
	up := echoServer(t, "echo")
	g := startGateway(t, `
services:
  - name: s
    targets: [{url: "${UP}"}]
consumers:
  - name: edge-versioning-app
    api_keys: [{ key: "Key-Versioning-1" }]
routes:
  - name: edge-versioned
    match: {path_prefix: /orders}
    service: s
    policies:
      key_auth: {anonymous: true}
      api_versioning:
        source: media_type
        vendor: example
        default: "2"
        versions:
          - name: "1"
            deprecation:
              since: "2026-01-01T00:00:00Z"
              sunset: "2027-06-30T00:00:00Z"
              link: https://developer.example.com/deprecations/v1
          - name: "2"
  - name: edge-versioned-path
    match: {path_prefix: /}
    service: s
    policies:
      api_versioning: {source: path, strip_path: true, versions: [{name: "1"}, {name: "2"}]}
`, map[string]string{"UP": up.URL})

	resp, body := g.do("GET", "/orders", nil, "Accept", "application/vnd.example.v1+json", "X-API-Key", "Key-Versioning-1", "X-Api-Version", "2")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d %s", resp.StatusCode, body)
	}
	if v := http.Header(parseSeen(t, body).Header).Values("X-Api-Version"); len(v) != 1 || v[0] != "1" {
		t.Errorf("service got X-Api-Version %q; want [1]", v)
	}
	if got := resp.Header.Get("Deprecation"); got != "@1767225600" {
		t.Errorf("Deprecation %q; want @1767225600", got)
	}
	if got := resp.Header.Get("Sunset"); got != "Wed, 30 Jun 2027 00:00:00 GMT" {
		t.Errorf("Sunset %q", got)
	}
	if got := resp.Header.Get("Link"); got != `<https://developer.example.com/deprecations/v1>; rel="deprecation"; type="text/html"` {
		t.Errorf("Link %q", got)
	}
	found := false
	for _, m := range series(t, "gateway_deprecated_api_calls_total") {
		l := labels(m)
		if l["route"] == "edge-versioned" && l["version"] == "1" && l["consumer"] == "edge-versioning-app" && m.GetCounter().GetValue() >= 1 {
			found = true
		}
	}
	if !found {
		t.Error("no gateway_deprecated_api_calls_total for the consumer")
	}

	resp, body = g.do("GET", "/orders", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Deprecation") != "" || http.Header(parseSeen(t, body).Header).Get("X-Api-Version") != "2" {
		t.Errorf("default version: %d deprecation %q body %s", resp.StatusCode, resp.Header.Get("Deprecation"), body)
	}
	resp, body = g.do("GET", "/orders", nil, "Accept", "application/vnd.example.v7+json")
	if resp.StatusCode != 400 || parseError(t, body).Status != 400 {
		t.Errorf("unknown version: %d %s; want 400", resp.StatusCode, body)
	}

	resp, body = g.do("GET", "/v2/items", nil)
	if s := parseSeen(t, body); resp.StatusCode != 200 || s.Path != "/items" || http.Header(s.Header).Get("X-Api-Version") != "2" {
		t.Errorf("path version: %d service got %s", resp.StatusCode, body)
	}
	if resp, _ := g.do("GET", "/items", nil); resp.StatusCode != 400 {
		t.Errorf("no version and no default: %d; want 400", resp.StatusCode)
	}
}

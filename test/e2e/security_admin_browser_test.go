package e2e

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

const browserAdminConfig = `listeners:
  - name: public
    addr: "127.0.0.1:0"
admin:
  addr: "127.0.0.1:0"
services:
  - name: echo
    targets: [{url: "%s"}]
routes:
  - name: private
    match: {path_prefix: /}
    service: echo
    policies:
      key_auth: {}
consumers:
  - name: ops
    api_keys: [{key: "${BROWSER_TEST_KEY:-k}"}]
`

// TestAdminSafeFromBrowsers: the token-less loopback admin API refuses
// what a web page in the operator's browser could send it: a text/plain
// (or form) POST that needs no preflight, a cross-site request, and a
// DNS-rebound Host. curl-style requests keep working.
func TestAdminSafeFromBrowsers(t *testing.T) {
	src := fmt.Sprintf(browserAdminConfig, echoServer(t, "echo").URL)
	a := startAdminSource(t, src)
	open := strings.Replace(src, "    policies:\n      key_auth: {}\n", "", 1)
	port := a.base[strings.LastIndexByte(a.base, ':')+1:]

	send := func(method, path, body string, hdr ...string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, a.base+path, strings.NewReader(body))
		for i := 0; i+1 < len(hdr); i += 2 {
			if hdr[i] == "Host" {
				req.Host = hdr[i+1]
				continue
			}
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	refused := []struct {
		name, method, path string
		want               int
		hdr                []string
	}{
		{"text/plain simple request", "POST", "/config", 415, []string{"Content-Type", "text/plain"}},
		{"form simple request", "POST", "/config", 415, []string{"Content-Type", "application/x-www-form-urlencoded"}},
		{"no content type", "POST", "/config", 415, nil},
		{"text/plain object", "PUT", "/routes/private", 415, []string{"Content-Type", "text/plain;charset=UTF-8"}},
		{"Sec-Fetch-Site cross-site", "POST", "/config", 403, []string{"Content-Type", "application/json", "Sec-Fetch-Site", "cross-site"}},
		{"Sec-Fetch-Site same-site", "POST", "/config", 403, []string{"Content-Type", "application/json", "Sec-Fetch-Site", "same-site"}},
		{"foreign Origin", "POST", "/config", 403, []string{"Content-Type", "application/yaml", "Origin", "http://evil.example"}},
		{"other localhost port", "POST", "/config", 403, []string{"Content-Type", "application/yaml", "Origin", "http://127.0.0.1:3000"}},
		{"null Origin", "POST", "/config", 403, []string{"Content-Type", "application/yaml", "Origin", "null"}},
		{"cross-site read", "GET", "/config", 403, []string{"Sec-Fetch-Site", "cross-site"}},
		{"DNS rebinding write", "POST", "/config", 403, []string{"Content-Type", "application/yaml", "Host", "evil.example:" + port}},
		{"DNS rebinding read", "GET", "/config", 403, []string{"Host", "evil.example:" + port}},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			code, body := send(tt.method, tt.path, open, tt.hdr...)
			if code != tt.want || !strings.Contains(body, `"error"`) {
				t.Fatalf("%s %s: %d %s; want %d with a JSON error", tt.method, tt.path, code, body, tt.want)
			}
		})
	}
	if resp, _ := a.gw.do("GET", "/", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("after the refused edits: %d; want key_auth still on (401)", resp.StatusCode)
	}

	allowed := []struct {
		name, method, path string
		hdr                []string
	}{
		{"curl with JSON", "POST", "/config?dry_run=true", []string{"Content-Type", "application/json"}},
		{"YAML with charset", "POST", "/config?dry_run=true", []string{"Content-Type", "application/yaml; charset=utf-8"}},
		{"same-origin page", "POST", "/config?dry_run=true", []string{"Content-Type", "application/yaml", "Sec-Fetch-Site", "same-origin", "Origin", a.base}},
		{"localhost by name", "GET", "/status", []string{"Host", "localhost:" + port}},
		{"bodiless reload", "POST", "/reload", nil},
	}
	for _, tt := range allowed {
		t.Run(tt.name, func(t *testing.T) {
			if code, body := send(tt.method, tt.path, open, tt.hdr...); code != 200 {
				t.Fatalf("%s %s: %d %s; want 200", tt.method, tt.path, code, body)
			}
		})
	}
	if code, body := send("PATCH", "/routes/private", `{"strip_prefix": null}`, "Content-Type", "application/merge-patch+json"); code != 200 {
		t.Fatalf("PATCH with merge-patch+json: %d %s", code, body)
	}
}

package e2e

import (
	"fmt"
	"strings"
	"testing"
)

const redactConfig = `listeners:
  - name: public
    addr: "127.0.0.1:0"
admin:
  addr: "127.0.0.1:0"
tracing:
  exporter: otlp_http
  endpoint: http://127.0.0.1:9/v1/traces
  headers: { x-honeycomb-team: "trace-secret-1" }
services:
  - name: echo
    targets: [{url: "%s"}]
    policies:
      request_headers: { set: { Authorization: "Bearer svc-secret-2" } }
routes:
  - name: all
    match: {path_prefix: /}
    service: echo
    policies:
      request_headers:
        set: { X-Api-Key: "${REDACT_TEST_KEY}", X-Plain: plain-value }
        add: { Cookie: "sid=cookie-secret-3" }
      response_headers:
        set: { X-Session-Token: "session-secret-4", X-Auth-Password: "cHc6c2VjcmV0LTU=" }
`

// TestSecretsRedactedInAdminOutput: values of credential headers set or
// added by the header policies, and every tracing header, are redacted by
// GET /config, GET /services/NAME, GET /routes/NAME and GET /explain,
// including ${VAR} values explain would show expanded.
func TestSecretsRedactedInAdminOutput(t *testing.T) {
	t.Setenv("REDACT_TEST_KEY", "env-secret-6")
	a := startAdminSource(t, fmt.Sprintf(redactConfig, echoServer(t, "echo").URL))
	secrets := []string{"trace-secret-1", "svc-secret-2", "cookie-secret-3", "session-secret-4", "cHc6c2VjcmV0LTU=", "env-secret-6"}
	for _, path := range []string{"/config", "/services/echo", "/routes/all", "/explain?path=/x"} {
		t.Run(path, func(t *testing.T) {
			code, _, raw := a.call("GET", path, "")
			if code != 200 {
				t.Fatalf("%d %s", code, raw)
			}
			for _, s := range secrets {
				if strings.Contains(raw, s) {
					t.Errorf("shows %q:\n%s", s, raw)
				}
			}
			if path != "/services/echo" && !strings.Contains(raw, "plain-value") {
				t.Errorf("hides a header that is no credential:\n%s", raw)
			}
		})
	}
	// The service still gets the real values.
	_, body := a.gw.do("GET", "/x", nil)
	if s := parseSeen(t, body); s.Header["X-Api-Key"][0] != "env-secret-6" || s.Header["Cookie"][0] != "sid=cookie-secret-3" {
		t.Fatalf("upstream saw %v; want the configured values", s.Header)
	}
}

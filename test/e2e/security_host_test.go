package e2e

import (
	"net/http"
	"strings"
	"testing"
)

const hostRoutes = `
services:
  - name: echo
    targets: [{ url: "${ECHO}" }]
routes:
  - name: secure
    match: { hosts: [secure.example], path_prefix: / }
    service: echo
    policies:
      jwt: { secret: "0123456789abcdef0123456789abcdef" }
  - name: catch-all
    match: { path_prefix: / }
    service: echo
`

// TestHostAuthorityValidated: a Host that is not host[:port] gets a 400
// JSON error instead of skipping the host-bound route for a catch-all,
// and host matching uses the normalised host.
func TestHostAuthorityValidated(t *testing.T) {
	g := startGateway(t, hostRoutes, map[string]string{"ECHO": echoServer(t, "echo").URL})
	for _, host := range []string{
		"secure.example:80:80", "secure.example..", "secure.example,other", ";x",
		"secure.example:99999", "[secure.example]", "secure.example%2e", ".",
	} {
		t.Run(host, func(t *testing.T) {
			code, raw := g.raw("GET /data HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
			if code != http.StatusBadRequest {
				t.Fatalf("status %d (%s); want 400", code, raw)
			}
			if e := parseError(t, raw); !strings.Contains(e.Error, "invalid Host") {
				t.Fatalf("error %q; want it to name the Host", e.Error)
			}
		})
	}
	// Every spelling of the protected host reaches the protected route.
	for _, host := range []string{"secure.example", "SECURE.example", "secure.example.", "secure.example:8080", "Secure.Example.:80"} {
		t.Run(host, func(t *testing.T) {
			if code, raw := g.raw("GET /data HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n"); code != http.StatusUnauthorized {
				t.Fatalf("status %d (%s); want 401 from the secure route", code, raw)
			}
		})
	}
	if code, _ := g.raw("GET /data HTTP/1.1\r\nHost: other.example\r\nConnection: close\r\n\r\n"); code != http.StatusOK {
		t.Fatalf("another host: %d; want the catch-all's 200", code)
	}
}

package e2e

import (
	"net/http"
	"os/exec"
	"strings"
	"testing"
)

const fallThroughConfig = `services:
  - name: echo
    targets: [{url: "${ECHO}"}]
routes:
  - name: admin
    match: {path_prefix: /admin, methods: [GET, POST]}
    service: echo
    policies:
      jwt: {secret: "0123456789abcdef0123456789abcdef"}
  - name: public
    match: {path_prefix: /}
    service: echo
`

// The safe pattern: a route for the same path without methods, with the
// same authentication, takes every method the first route does not list.
const fallThroughSafe = `
  - name: admin-other-methods
    match: {path_prefix: /admin}
    service: echo
    policies:
      jwt: {secret: "0123456789abcdef0123456789abcdef"}
`

// TestMethodFallThroughVisible: a route that allows GET takes HEAD too, so
// HEAD never reaches the public catch-all; the other methods still fall
// through (path first, then method, as in Kong and Envoy), and validate,
// explain and the admin dry run say so, naming the policy the request
// skips. With the documented safe pattern nothing falls through.
func TestMethodFallThroughVisible(t *testing.T) {
	vars := map[string]string{"ECHO": echoServer(t, "echo").URL}
	g := startGateway(t, fallThroughConfig, vars)
	if resp, _ := g.do("HEAD", "/admin/users", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("HEAD /admin/users: %d; want 401 from the admin route", resp.StatusCode)
	}
	if resp, _ := g.do("DELETE", "/admin/users", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("DELETE /admin/users: %d; want the catch-all's 200 (path, then method)", resp.StatusCode)
	}

	file := writeFile(t, "gw.yaml", strings.ReplaceAll(fallThroughConfig, "${ECHO}", "http://127.0.0.1:1"))
	out, err := exec.Command(binary, "validate", file).CombinedOutput()
	want := file + `:6:43: warning: routes[0].match.methods: PUT, PATCH, DELETE, OPTIONS to /admin (and any other method not listed) fall through to route "public", which lacks jwt`
	if err != nil || !strings.Contains(string(out), want) || !strings.Contains(string(out), "valid (") {
		t.Errorf("validate: %v\n%s\nwant a valid config with the warning\n%s", err, out, want)
	}
	out, err = exec.Command(binary, "explain", "-c", file, "DELETE", "/admin/users").CombinedOutput()
	if err != nil || !strings.Contains(string(out), `warning: route "admin" takes this path but not DELETE; the request falls through to route "public", which lacks jwt`) {
		t.Errorf("explain: %v\n%s\nwant the fall-through warning", err, out)
	}
	if out, _ = exec.Command(binary, "explain", "-c", file, "HEAD", "/admin/users").CombinedOutput(); !strings.Contains(string(out), "chosen:          admin") {
		t.Errorf("explain HEAD: want the admin route chosen:\n%s", out)
	}

	a := startAdmin(t, "tok")
	_, m, raw := a.call("POST", "/config?dry_run=true", strings.ReplaceAll(fallThroughConfig, "${ECHO}", "http://127.0.0.1:1"))
	if ws, _ := m["warnings"].([]any); len(ws) != 1 || !strings.Contains(raw, "which lacks jwt") {
		t.Errorf("admin dry run: %s; want one fall-through warning", raw)
	}

	safe := startGateway(t, fallThroughConfig+fallThroughSafe, vars)
	if resp, _ := safe.do("DELETE", "/admin/users", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("safe pattern, DELETE /admin/users: %d; want 401", resp.StatusCode)
	}
	safeFile := writeFile(t, "safe.yaml", strings.ReplaceAll(fallThroughConfig+fallThroughSafe, "${ECHO}", "http://127.0.0.1:1"))
	if out, err := exec.Command(binary, "validate", safeFile).CombinedOutput(); err != nil || strings.Contains(string(out), "warning") {
		t.Errorf("validate of the safe pattern: %v\n%s\nwant no warning", err, out)
	}
}

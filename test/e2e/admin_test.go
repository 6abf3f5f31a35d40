package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/admin"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gateway"
	"github.com/gatehouse/gatehouse/internal/telemetry"
)

const adminConfig = `# gateway for the admin API test
listeners:
  - name: public
    addr: "127.0.0.1:0"
services:
  - name: echo # the one upstream
    targets: [{url: "%s"}]
routes:
  - name: all
    match: {path_prefix: /}
    service: echo
consumers:
  - name: shop
    groups: [paid]
    api_keys:
      - key: literal-secret-key
      - key: ${ADMIN_TEST_KEY:-from-env}
admin:
  addr: "127.0.0.1:0"
  token: %s
`

// adminEnv is a gateway started from a real file with its admin API.
type adminEnv struct {
	t     *testing.T
	gw    *gw
	file  string
	base  string
	token string
}

func startAdmin(t *testing.T, token string) *adminEnv {
	t.Helper()
	up := echoServer(t, "echo")
	return startAdminSource(t, fmt.Sprintf(adminConfig, up.URL, token))
}

// startAdminSource serves src, a whole config with an admin section,
// from a real file.
func startAdminSource(t *testing.T, src string) *adminEnv {
	t.Helper()
	file := filepath.Join(t.TempDir(), "gatehouse.yaml")
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse([]byte(src), file)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	g, err := gateway.New(cfg, gateway.Options{File: file, Logger: logger, Hash: gateway.Hash([]byte(src)),
		Source: []byte(src), FromFile: true, AccessLog: telemetry.NewAccessLog(io.Discard, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(); err != nil {
		t.Fatal(err)
	}
	adm := admin.New(g, cfg.Admin.Token, logger)
	if err := adm.Start(cfg.Admin.Addr); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		adm.Shutdown(ctx)
		g.Shutdown(ctx)
	})
	return &adminEnv{t: t, gw: &gw{t: t, g: g, addr: g.Addr("public").String()}, file: file,
		base: "http://" + adm.Addr().String(), token: cfg.Admin.Token}
}

// call sends an admin request with the token and decodes a JSON answer.
func (a *adminEnv) call(method, path, body string) (int, map[string]any, string) {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+a.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/yaml") // JSON is YAML
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m, string(raw)
}

func TestAdminToken(t *testing.T) {
	a := startAdmin(t, "s3cret-admin")
	for _, h := range []string{"", "Bearer wrong", "Basic s3cret-admin", "Bearer s3cret-admi", "bearer S3CRET-ADMIN"} {
		req, _ := http.NewRequest("GET", a.base+"/status", nil)
		if h != "" {
			req.Header.Set("Authorization", h)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("Authorization %q: status %d; want 401", h, resp.StatusCode)
		}
	}
	if code, m, _ := a.call("GET", "/status", ""); code != 200 || m["config_hash"] == "" || m["version"] == nil {
		t.Fatalf("status with token: %d %v", code, m)
	}
}

// TestAdminNotOnGatewayListener: admin paths through the gateway listener
// reach the routed upstream, never the admin API.
func TestAdminNotOnGatewayListener(t *testing.T) {
	a := startAdmin(t, "tok")
	for _, p := range []string{"/status", "/config", "/routes", "/metrics"} {
		resp, body := a.gw.do("GET", p, nil)
		if resp.StatusCode != 200 || parseSeen(t, body).Name != "echo" {
			t.Fatalf("GET %s on the gateway: %d %s; want the upstream's echo", p, resp.StatusCode, body)
		}
	}
}

func TestAdminViews(t *testing.T) {
	a := startAdmin(t, "tok")
	_, _, raw := a.call("GET", "/config", "")
	if strings.Contains(raw, "literal-secret-key") || !strings.Contains(raw, "[redacted]") {
		t.Fatalf("GET /config leaks or does not redact: %s", raw)
	}
	if !strings.Contains(raw, "${ADMIN_TEST_KEY:-from-env}") {
		t.Fatalf("GET /config should show the ${VAR} reference: %s", raw)
	}
	if strings.Contains(raw, `"tok"`) {
		t.Fatalf("GET /config shows the admin token: %s", raw)
	}
	_, _, raw = a.call("GET", "/consumers", "")
	if strings.Contains(raw, "secret") || !strings.Contains(raw, `"api_keys": 2`) {
		t.Fatalf("GET /consumers = %s; want key count, no keys", raw)
	}
	_, m, raw := a.call("GET", "/services", "")
	svcs, _ := m["services"].([]any)
	if len(svcs) != 1 || !strings.Contains(raw, `"healthy": true`) {
		t.Fatalf("GET /services = %s", raw)
	}
	_, _, raw = a.call("GET", "/routes", "")
	if !strings.Contains(raw, `"path_prefix": "/"`) {
		t.Fatalf("GET /routes = %s", raw)
	}
	a.gw.do("GET", "/x", nil)
	_, _, raw = a.call("GET", "/metrics", "")
	if !strings.Contains(raw, "go_goroutines") {
		t.Fatalf("GET /metrics lacks Go runtime metrics")
	}
}

func TestAdminConfigDryRunAndApply(t *testing.T) {
	a := startAdmin(t, "tok")
	src, _ := os.ReadFile(a.file)
	bad := strings.Replace(string(src), "service: echo", "service: ecoh", 1)
	code, m, raw := a.call("POST", "/config?dry_run=true", bad)
	if code != http.StatusUnprocessableEntity || !strings.Contains(raw, `unknown service \"ecoh\" (did you mean \"echo\"?)`) {
		t.Fatalf("dry run of a bad config: %d %s", code, raw)
	}
	withRoute := strings.Replace(string(src), "consumers:", "  - name: only-new\n    match: {path: /only-new}\n    service: echo\nconsumers:", 1)
	withRoute = strings.Replace(withRoute, "path_prefix: /}", "path_prefix: /api}", 1)
	code, m, raw = a.call("POST", "/config?dry_run=true", withRoute)
	if code != 200 || !strings.Contains(raw, `"only-new"`) || !strings.Contains(raw, `"all"`) {
		t.Fatalf("dry run diff: %d %s", code, raw)
	}
	if resp, _ := a.gw.do("GET", "/nothing-here", nil); resp.StatusCode != 200 {
		t.Fatalf("dry run changed the serving config")
	}
	code, m, raw = a.call("POST", "/config", withRoute)
	if code != 200 || m["applied"] != true {
		t.Fatalf("apply: %d %s", code, raw)
	}
	if resp, _ := a.gw.do("GET", "/nothing-here", nil); resp.StatusCode != 404 {
		t.Fatalf("applied config not serving: %d", resp.StatusCode)
	}
	saved, _ := os.ReadFile(a.file)
	if string(saved) != withRoute {
		t.Fatalf("config file not saved as applied")
	}
	code, _, raw = a.call("POST", "/config", bad)
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("apply of a bad config: %d %s", code, raw)
	}
	if saved2, _ := os.ReadFile(a.file); string(saved2) != withRoute {
		t.Fatalf("a rejected config was saved")
	}
	_, m, _ = a.call("GET", "/status", "")
	last, _ := m["last_reload"].(map[string]any)
	if last["result"] != "error" || last["errors"] == nil {
		t.Fatalf("status last_reload = %v; want the rejected reload's errors", last)
	}
}

func TestAdminCRUD(t *testing.T) {
	a := startAdmin(t, "tok")
	code, _, raw := a.call("PUT", "/routes/orders", `{"match": {"path": "/orders"}, "service": "nowhere"}`)
	if code != http.StatusUnprocessableEntity || !strings.Contains(raw, "nowhere") {
		t.Fatalf("PUT route with an unknown service: %d %s", code, raw)
	}
	// The catch-all would take /orders too; an exact path wins over it.
	code, _, raw = a.call("PUT", "/routes/orders", `{"match": {"path": "/orders"}, "service": "echo", "rewrite": "/v2/orders"}`)
	if code != http.StatusCreated {
		t.Fatalf("PUT new route: %d %s", code, raw)
	}
	resp, body := a.gw.do("GET", "/orders", nil)
	if resp.StatusCode != 200 || parseSeen(t, body).Path != "/v2/orders" {
		t.Fatalf("new route not live: %d %s", resp.StatusCode, body)
	}
	saved, _ := os.ReadFile(a.file)
	if !strings.Contains(string(saved), "name: orders") || !strings.Contains(string(saved), "# the one upstream") {
		t.Fatalf("saved file lacks the route or lost its comments:\n%s", saved)
	}
	code, m, _ := a.call("GET", "/routes/orders", "")
	if code != 200 || m["rewrite"] != "/v2/orders" {
		t.Fatalf("GET route: %d %v", code, m)
	}
	patches := []struct {
		name, path, body string
		want             int
	}{
		{"merge a field", "/routes/orders", `{"rewrite": "/v3/orders"}`, http.StatusOK},
		{"rename refused", "/routes/orders", `{"name": "other"}`, http.StatusBadRequest},
		{"missing object", "/routes/nope", `{"rewrite": "/x"}`, http.StatusNotFound},
		{"invalid result", "/routes/orders", `{"service": "nowhere"}`, http.StatusUnprocessableEntity},
	}
	for _, p := range patches {
		t.Run("PATCH "+p.name, func(t *testing.T) {
			if code, _, raw := a.call("PATCH", p.path, p.body); code != p.want {
				t.Fatalf("got %d (%s); want %d", code, raw, p.want)
			}
		})
	}
	code, m, _ = a.call("GET", "/routes/orders", "")
	if code != 200 || m["rewrite"] != "/v3/orders" || m["service"] != "echo" {
		t.Fatalf("after PATCH: %d %v; want rewrite /v3/orders and service echo kept", code, m)
	}
	if resp, body := a.gw.do("GET", "/orders", nil); resp.StatusCode != 200 || parseSeen(t, body).Path != "/v3/orders" {
		t.Fatalf("PATCH not live: %d %s", resp.StatusCode, body)
	}
	if code, _, raw = a.call("PATCH", "/routes/orders", `{"rewrite": null}`); code != 200 {
		t.Fatalf("PATCH null: %d %s", code, raw)
	}
	if _, m, _ = a.call("GET", "/routes/orders", ""); m["rewrite"] != nil {
		t.Fatalf("PATCH null kept rewrite = %v; want it removed", m["rewrite"])
	}
	code, _, raw = a.call("POST", "/consumers", `{"name": "shop"}`)
	if code != http.StatusConflict {
		t.Fatalf("POST existing consumer: %d %s", code, raw)
	}
	code, _, raw = a.call("POST", "/consumers", `{"name": "mobile", "groups": ["free"]}`)
	if code != http.StatusCreated {
		t.Fatalf("POST consumer: %d %s", code, raw)
	}
	code, _, _ = a.call("DELETE", "/routes/orders", "")
	if code != 200 {
		t.Fatalf("DELETE route: %d", code)
	}
	resp, body = a.gw.do("GET", "/orders", nil)
	if parseSeen(t, body).Path != "/orders" {
		t.Fatalf("deleted route still rewrites: %s", body)
	}
	if code, _, _ = a.call("DELETE", "/routes/orders", ""); code != 404 {
		t.Fatalf("DELETE missing route: %d; want 404", code)
	}
	saved, _ = os.ReadFile(a.file)
	if strings.Contains(string(saved), "name: orders") || !strings.Contains(string(saved), "name: mobile") {
		t.Fatalf("saved file after delete:\n%s", saved)
	}
	// The saved file is a valid config that a restart would serve.
	if _, err := config.Load(a.file); err != nil {
		t.Fatalf("saved config does not load: %v", err)
	}
}

func TestAdminExplain(t *testing.T) {
	a := startAdmin(t, "tok")
	a.call("PUT", "/routes/orders", `{"match": {"path_prefix": "/api/orders", "methods": ["GET"]}, "service": "echo", "strip_prefix": "/api"}`)
	code, m, raw := a.call("GET", "/explain?method=GET&path=/api//orders/../orders/7", "")
	if code != 200 || m["normalised_path"] != "/api/orders/7" {
		t.Fatalf("explain: %d %s", code, raw)
	}
	chosen, _ := m["chosen"].(map[string]any)
	if chosen["name"] != "orders" || chosen["upstream_path"] != "/orders/7" {
		t.Fatalf("chosen = %v; want orders with upstream path /orders/7", chosen)
	}
	cands, _ := m["candidates"].([]any)
	if len(cands) != 2 {
		t.Fatalf("candidates = %v; want both routes", cands)
	}
	_, m, _ = a.call("GET", "/explain?method=GET&path=/a/%252e%252e/b", "")
	if m["status"] != float64(400) || m["path_error"] == nil {
		t.Fatalf("explain of an encoded dot: %v; want 400 with the reason", m)
	}
}

package e2e

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/examples"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/demo"
	"github.com/gatehouse/gatehouse/internal/gateway"
	"github.com/gatehouse/gatehouse/internal/telemetry"
)

// TestDemoAuthFlow runs examples/demo.yaml in front of the demo services
// and follows the README: log in, call with the token, get refused without
// it or without the role, pay with the consumer's API key.
func TestDemoAuthFlow(t *testing.T) {
	svcs, err := demo.Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svcs.Close)
	env := svcs.Env()
	env["GATEHOUSE_ADDR"] = "127.0.0.1:0"
	cfg, err := config.Loader{LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}.Parse(examples.DemoConfig, "demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	g, err := gateway.New(cfg, gateway.Options{File: "demo.yaml", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		AccessLog: telemetry.NewAccessLog(io.Discard, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Shutdown(t.Context()) })
	api := &gw{t: t, g: g, addr: g.Addr("public").String()}

	login := func(user string) string {
		t.Helper()
		resp, body := api.do("POST", "/api/token", strings.NewReader(`{"username":"`+user+`","password":"secret"}`))
		if resp.StatusCode != 200 || strings.Count(body, ".") != 2 {
			t.Fatalf("POST /api/token as %s: got %d %q; want 200 and a JWT", user, resp.StatusCode, body)
		}
		return strings.TrimSpace(body)
	}
	alice, carol := login("alice"), login("carol")
	cases := []struct {
		name, method, path, body string
		hdr                      []string
		status                   int
		contains                 string
	}{
		{"orders with a customer token", "GET", "/api/orders", "", bearer(alice), 200, `"x_user_id": "alice"`},
		{"one order", "GET", "/api/orders/1001", "", bearer(alice), 200, `"x_user_roles": "customer,admin"`},
		{"orders without a token", "GET", "/api/orders", "", nil, 401, "authentication required"},
		{"orders with garbage", "GET", "/api/orders", "", bearer("not-a-token"), 401, "malformed token"},
		{"orders without the role", "GET", "/api/orders", "", bearer(carol), 403, "access denied"},
		{"charge with the key", "POST", "/api/charge", `{"amount":1299,"currency":"EUR"}`, []string{"X-API-Key", "demo-shop-key"}, 200, `"x_consumer_name": "shop-frontend"`},
		{"charge without a key", "POST", "/api/charge", `{"amount":1299,"currency":"EUR"}`, nil, 401, "authentication required"},
		{"charge with a wrong key", "POST", "/api/charge", `{"amount":1299,"currency":"EUR"}`, []string{"X-API-Key", "wrong-key"}, 401, "invalid API key"},
		{"charge with a token is not enough", "POST", "/api/charge", `{"amount":1299,"currency":"EUR"}`, bearer(alice), 401, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var rd io.Reader
			if c.body != "" {
				rd = strings.NewReader(c.body)
			}
			resp, body := api.do(c.method, c.path, rd, c.hdr...)
			if resp.StatusCode != c.status || !strings.Contains(body, c.contains) {
				t.Fatalf("got %d %s; want %d containing %q", resp.StatusCode, body, c.status, c.contains)
			}
			if c.status == 401 && resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
			if c.status == 200 && strings.Contains(body, "demo-shop-key") {
				t.Errorf("the API key reached the payments service")
			}
		})
	}
}

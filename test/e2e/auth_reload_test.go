package e2e

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/runtime"
	"github.com/gatehouse/gatehouse/internal/statepool"
)

// TestReloadKeepsJWKS rebuilds the runtime as a reload does and checks
// that the key set is handed over (no refetch) while its settings are
// unchanged, and replaced when they change.
func TestReloadKeepsJWKS(t *testing.T) {
	jwks := newJWKSServer(t, allAlgKeys())
	echo := echoServer(t, "echo")
	const tmpl = `
services:
  - name: echo
    targets: [{ url: "ECHO" }]
routes:
  - name: r
    match: { path_prefix: / }
    service: echo
    policies:
      jwt: { jwks_url: "JWKS", issuers: [ISSUER], jwks_cooldown: COOLDOWN }
`
	pool := statepool.New()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	var holder *runtime.Holder
	build := func(issuer, cooldown string) {
		t.Helper()
		yaml := strings.NewReplacer("ECHO", echo.URL, "JWKS", jwks.URL, "ISSUER", issuer, "COOLDOWN", cooldown).Replace(tmpl)
		cfg, err := config.Parse([]byte(yaml), "reload.yaml")
		if err != nil {
			t.Fatal(err)
		}
		rt, err := runtime.Build(cfg, "reload.yaml", runtime.Options{Logger: logger, State: pool})
		if err != nil {
			t.Fatal(err)
		}
		if holder == nil {
			holder = runtime.NewHolder(rt)
		} else {
			holder.Swap(rt).Close()
		}
		rt.CommitState()
	}
	build(`"https://issuer.test"`, "30s")
	srv := httptest.NewServer(holder.Handler("public"))
	t.Cleanup(srv.Close)
	call := func(iss string) int {
		t.Helper()
		tok := sign(t, "ES256", testKeys().p256, map[string]any{"kid": "kid-ES256"}, claims("u", map[string]any{"iss": iss}))
		req, _ := http.NewRequest("GET", srv.URL+"/x", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	steps := []struct {
		name, issuer, cooldown string
		wantFetches            int64
		okIssuer, badIssuer    string
	}{
		{"first build", `"https://issuer.test"`, "30s", 1, "https://issuer.test", "https://other.test"},
		{"same settings", `"https://issuer.test"`, "30s", 1, "https://issuer.test", "https://other.test"},
		{"claim rules changed, keys kept", `"https://other.test"`, "30s", 1, "https://other.test", "https://issuer.test"},
		{"key settings changed", `"https://other.test"`, "20s", 2, "https://other.test", "https://issuer.test"},
	}
	for i, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if i > 0 {
				build(s.issuer, s.cooldown)
			}
			if got := jwks.fetches.Load(); got != s.wantFetches {
				t.Errorf("JWKS fetches = %d; want %d", got, s.wantFetches)
			}
			if got := call(s.okIssuer); got != 200 {
				t.Errorf("token from %s: got %d; want 200", s.okIssuer, got)
			}
			if got := call(s.badIssuer); got != 401 {
				t.Errorf("token from %s: got %d; want 401", s.badIssuer, got)
			}
		})
	}
}

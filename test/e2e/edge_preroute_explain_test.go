package e2e

import (
	"os/exec"
	"strings"
	"testing"
)

const preRouteExplainConfig = `
services:
  - name: s
    targets: [{url: "http://127.0.0.1:3001"}]
routes:
  - name: orders
    match: {path_prefix: /api/orders, methods: [GET]}
    service: s
    policies:
      key_auth: {}
      cors: {origins: ["https://app.example.com"]}
consumers:
  - name: c
    api_keys: [{key: "k-123456789012345678901234567890"}]
policies:
  ip_restriction: {deny: ["192.0.2.0/24"]}
`

// TestExplainPreRoute: explain shows the pre-route step for a chosen
// route (before the identity headers go), a 405 and a 404.
func TestExplainPreRoute(t *testing.T) {
	file := writeFile(t, "gw.yaml", preRouteExplainConfig)
	for _, c := range []struct {
		name string
		args []string
		want []string
	}{
		{"chosen", []string{"GET", "/api/orders/1"}, []string{
			"pre-route       cors", "pre-route       ip_restriction", "then: remove client-sent",
			"access          request_size_limit", "from (default)", "authenticate    key_auth",
		}},
		{"405", []string{"OPTIONS", "/api/orders/1"}, []string{
			"answer 405 with Allow: GET, HEAD", "unless a pre-route policy answers first", "pre-route       cors", "from routes[0].policies.cors",
		}},
		{"404", []string{"GET", "/nowhere"}, []string{
			"answer 404", "unless a pre-route policy answers first", "pre-route       ip_restriction", "from policies.ip_restriction",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := exec.Command(binary, append([]string{"explain", "-c", file}, c.args...)...).CombinedOutput()
			if err != nil {
				t.Fatalf("explain: %v\n%s", err, out)
			}
			for _, w := range c.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if c.name == "chosen" && strings.Index(string(out), "ip_restriction") > strings.Index(string(out), "remove client-sent") {
				t.Errorf("pre-route policies are not listed first:\n%s", out)
			}
		})
	}
}

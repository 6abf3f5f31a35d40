package e2e

import (
	"os/exec"
	"strings"
	"testing"
)

const explainConfig = `
services:
  - name: orders
    targets: [{url: "http://127.0.0.1:3001"}]
  - name: auth
    targets: [{url: "http://127.0.0.1:3000"}]
routes:
  - name: login
    match: {path: /api/login, methods: [POST]}
    service: auth
  - name: orders
    match: {path_prefix: /api/orders, hosts: ["*.example.com"]}
    strip_prefix: /api
    service: orders
    policies:
      request_headers: {set: {X-Secret-Token: hunter2, X-Team: shop}}
`

func TestExplainCommand(t *testing.T) {
	file := writeFile(t, "gw.yaml", explainConfig)
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"chosen with chain", []string{"GET", "/api//orders/../orders/7", "-H", "Host: shop.example.com"}, []string{
			"normalised path: /api/orders/7",
			"✗ routes[0] login", "no: method GET in [POST]",
			"✓ routes[1] orders", "ok: host shop.example.com is covered by *.example.com",
			"chosen:          orders → service orders", "upstream path:   /orders/7",
			"request_headers", `"X-Team":"shop"`, "[redacted]", "http://127.0.0.1:3001",
		}},
		{"405", []string{"GET", "/api/login"}, []string{"chosen:          none; answer 405 with Allow: POST"}},
		{"404 by host", []string{"GET", "/api/orders", "-H", "Host: other.test"}, []string{"no: host other.test not in [*.example.com]", "answer 404"}},
		{"bad path", []string{"GET", "/api/%2e%2e/x"}, []string{"rejected: invalid path", "answer:          400"}},
	}
	for _, c := range cases {
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
			if strings.Contains(string(out), "hunter2") {
				t.Errorf("output shows a secret:\n%s", out)
			}
		})
	}
}

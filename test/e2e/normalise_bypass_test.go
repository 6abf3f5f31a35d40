package e2e

import (
	"net/http"
	"strings"
	"testing"
)

// A public route and a protected one: every way of spelling a path that
// climbs out of /public must either be refused or reach the upstream as
// the path the router matched, never let /public's route serve /admin.
const bypassConfig = `
paths:
  encoded_separators: ${MODE}
services:
  - name: public
    targets: [{url: "${PUB}"}]
  - name: admin
    targets: [{url: "${ADM}"}]
routes:
  - name: public
    match: {path_prefix: /public}
    service: public
  - name: admin
    match: {path_prefix: /admin}
    service: admin
    policies:
      request_headers: {set: {X-Guarded: "yes"}}
`

type bypassCase struct {
	target string
	// status wanted; for 200, the service and the path it must see.
	status  int
	service string
	path    string
	// parser: refused by the HTTP/1.1 parser before routing, with
	// net/http's plain-text 400 (the target is not even a valid URI).
	parser bool
}

func runBypass(t *testing.T, mode string, cases []bypassCase) {
	pub, adm := echoServer(t, "public"), echoServer(t, "admin")
	g := startGateway(t, bypassConfig, map[string]string{"MODE": mode, "PUB": pub.URL, "ADM": adm.URL})
	for _, c := range cases {
		t.Run(c.target, func(t *testing.T) {
			code, body := g.raw("GET " + c.target + " HTTP/1.1\r\nHost: gw.test\r\nConnection: close\r\n\r\n")
			if code != c.status {
				t.Fatalf("GET %s: status %d; want %d (body %s)", c.target, code, c.status, body)
			}
			if code != http.StatusOK {
				if c.parser {
					return
				}
				if e := parseError(t, body); e.Status != code {
					t.Fatalf("error body %s is not the JSON error", body)
				}
				return
			}
			s := parseSeen(t, body)
			if s.Name != c.service || s.Path != c.path {
				t.Fatalf("GET %s reached %s with path %q; want %s with %q", c.target, s.Name, s.Path, c.service, c.path)
			}
			if s.Name == "admin" && http.Header(s.Header).Get("X-Guarded") != "yes" {
				t.Fatalf("reached admin without its route's policies")
			}
		})
	}
}

func TestBypassVariantsRejected(t *testing.T) {
	runBypass(t, "reject", []bypassCase{
		{"/public/../admin", 200, "admin", "/admin", false}, // resolved first, then routed as /admin
		{"/public/./x", 200, "public", "/public/x", false},
		{"/public//x", 200, "public", "/public/x", false},
		{"//admin", 200, "admin", "/admin", false},
		{"/public/x/..", 200, "public", "/public/", false},
		{"/public/%2e%2e/admin", 400, "", "", false},
		{"/public/%2E%2E/admin", 400, "", "", false},
		{"/public/.%2e/admin", 400, "", "", false},
		{"/public/%2fadmin", 400, "", "", false},
		{"/public%2F..%2Fadmin", 400, "", "", false},
		{"/public/..%5cadmin", 400, "", "", false},
		{"/public/%5c..%5cadmin", 400, "", "", false},
		{"/public/%00", 400, "", "", false},
		{"/public/%0a", 400, "", "", false},
		{"/public/%7f", 400, "", "", false},
		{"/public/%zz", 400, "", "", true},
		{"http://other.test/admin", 400, "", "", false},
		{"*", 400, "", "", false},
		{"public/x", 400, "", "", true},
	})
}

func TestBypassVariantsDecoded(t *testing.T) {
	runBypass(t, "decode", []bypassCase{
		{"/public/%2e%2e/admin", 200, "admin", "/admin", false},
		{"/public/.%2e/admin", 200, "admin", "/admin", false},
		{"/public%2F..%2Fadmin", 200, "admin", "/admin", false},
		{"/public/%2fx", 200, "public", "/public/x", false},
		{"/public/x%5c..%5cy", 200, "public", "/public/y", false},
		{"/public/%00", 400, "", "", false},
		{"/public/a%20b", 200, "public", "/public/a b", false},
	})
}

// TestBypassRawBytes: bytes no client should send, on a raw socket.
func TestBypassRawBytes(t *testing.T) {
	pub, adm := echoServer(t, "public"), echoServer(t, "admin")
	g := startGateway(t, bypassConfig, map[string]string{"MODE": "reject", "PUB": pub.URL, "ADM": adm.URL})
	for _, target := range []string{"/public/x#/../../admin", "/public\\..\\admin", "/public/\x00"} {
		code, body := g.raw("GET " + target + " HTTP/1.1\r\nHost: gw.test\r\nConnection: close\r\n\r\n")
		if code == http.StatusOK && strings.Contains(body, `"name":"admin"`) {
			t.Fatalf("GET %q reached admin", target)
		}
		if code != http.StatusBadRequest {
			t.Fatalf("GET %q: status %d; want 400", target, code)
		}
	}
}

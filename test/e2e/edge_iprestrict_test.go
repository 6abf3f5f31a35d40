package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIPRestrictionSpoofedHeaderNeverHelps: without trusted proxies the
// peer address decides, whatever X-Forwarded-For claims; a global deny
// answers 403 even where no route would (no 404 to map the routes).
func TestIPRestrictionSpoofedHeaderNeverHelps(t *testing.T) {
	up := echoServer(t, "up")
	g := startGateway(t, `
services:
  - name: s
    targets: [{url: "${UP}"}]
routes:
  - name: r
    match: {path_prefix: /}
    service: s
    policies:
      key_auth: {}
policies:
  ip_restriction: {deny: ["127.0.0.0/8", "::1"], message: "go away"}
`, map[string]string{"UP": up.URL})
	for _, xff := range []string{"", "203.0.113.9", "203.0.113.9, 198.51.100.1"} {
		hdr := []string{}
		if xff != "" {
			hdr = []string{"X-Forwarded-For", xff}
		}
		resp, body := g.do("GET", "/anything", nil, hdr...)
		if resp.StatusCode != 403 {
			t.Fatalf("XFF %q: status %d; want 403 before authentication", xff, resp.StatusCode)
		}
		if e := parseError(t, body); e.Error != "go away" || e.Status != 403 {
			t.Errorf("XFF %q: error %+v", xff, e)
		}
	}
}

// TestIPRestrictionThroughTrustedProxies: the client address a trusted
// proxy reports is the one checked, IPv4 and IPv6, at route, service
// and global scope, with a 100,000-entry deny file loaded.
func TestIPRestrictionThroughTrustedProxies(t *testing.T) {
	up := echoServer(t, "up")
	var b strings.Builder
	for i := range 100000 {
		fmt.Fprintf(&b, "100.%d.%d.%d\n", 64+i/65536, i/256%256, i%256)
	}
	b.WriteString("203.0.113.66 # a bad host inside the allowed range\n2001:db8:bad::/48\n")
	deny := filepath.Join(t.TempDir(), "deny.txt")
	if err := os.WriteFile(deny, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	g := startGateway(t, `
listeners:
  - name: public
    addr: "127.0.0.1:0"
    trusted_proxies: ["127.0.0.0/8"]
services:
  - name: s
    targets: [{url: "${UP}"}]
    policies:
      ip_restriction: {allow: ["203.0.113.0/24", "2001:db8::/32", "100.64.0.0/10"], deny_file: "${DENY}"}
  - name: other
    targets: [{url: "${UP}"}]
routes:
  - name: svc
    match: {path_prefix: /svc}
    service: s
  - name: route
    match: {path_prefix: /route}
    service: other
    policies:
      ip_restriction: {allow: ["198.51.100.0/24", "192.0.2.0/24"], status: 404, message: "no route matched"}
  - name: global
    match: {path_prefix: /}
    service: other
policies:
  ip_restriction: {deny: ["192.0.2.0/24"]}
`, map[string]string{"UP": up.URL, "DENY": deny})
	for _, tt := range []struct {
		path, xff string
		want      int
	}{
		{"/svc", "203.0.113.5", 200},
		{"/svc", "203.0.113.66", 403}, // deny wins over allow
		{"/svc", "2001:db8::7", 200},
		{"/svc", "2001:db8:bad::7", 403},
		{"/svc", "100.64.5.9", 403}, // in the deny file
		{"/svc", "100.127.255.1", 200},
		{"/svc", "198.51.100.1", 403}, // outside allow
		{"/svc", "192.0.2.1", 403},    // outside the service's allow
		{"/route", "198.51.100.1", 200},
		{"/route", "203.0.113.5", 404},
		{"/route", "192.0.2.1", 200}, // the route's policy replaces the global deny
		{"/other", "192.0.2.1", 403},
		{"/other", "198.51.100.1", 200},
		{"/other", "10.0.0.1, 192.0.2.7", 403}, // the right-most untrusted entry
	} {
		resp, body := g.do("GET", tt.path, nil, "X-Forwarded-For", tt.xff)
		if resp.StatusCode != tt.want {
			t.Errorf("%s from %s: %d; want %d (%s)", tt.path, tt.xff, resp.StatusCode, tt.want, body)
			continue
		}
		if tt.want != 200 {
			parseError(t, body)
		}
	}
}

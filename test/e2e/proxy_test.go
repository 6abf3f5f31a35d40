package e2e

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const oneRoute = `
services:
  - name: echo
    targets: [{url: "${U}"}]
routes:
  - name: all
    match: {path_prefix: /}
    service: echo
`

func TestForwardedHeadersFromUntrustedPeer(t *testing.T) {
	u := echoServer(t, "u")
	g := startGateway(t, oneRoute, map[string]string{"U": u.URL})
	_, body := g.do("GET", "/x", nil,
		"X-Forwarded-For", "6.6.6.6",
		"X-Forwarded-Proto", "https",
		"X-Forwarded-Host", "evil.example",
		"X-Real-IP", "6.6.6.6",
		"Forwarded", "for=6.6.6.6",
		"X-Forwarded-Prefix", "/admin",
		"Host", "api.example.com")
	s := parseSeen(t, body)
	want := map[string]string{
		"X-Forwarded-For":   "127.0.0.1",
		"X-Forwarded-Proto": "http",
		"X-Forwarded-Host":  "api.example.com",
		"X-Real-Ip":         "127.0.0.1",
	}
	for k, v := range want {
		if got := strings.Join(s.Header[k], ","); got != v {
			t.Errorf("%s = %q; want %q", k, got, v)
		}
	}
	for _, k := range []string{"Forwarded", "X-Forwarded-Prefix"} {
		if v, ok := s.Header[k]; ok {
			t.Errorf("spoofed %s reached upstream: %q", k, v)
		}
	}
	if s.Host == "api.example.com" {
		t.Errorf("upstream Host = client host; want the target host without preserve_host")
	}
}

func TestForwardedHeadersFromTrustedPeer(t *testing.T) {
	u := echoServer(t, "u")
	g := startGateway(t, `
listeners:
  - name: public
    addr: "127.0.0.1:0"
    trusted_proxies: ["127.0.0.0/8", "10.0.0.0/8"]
`+oneRoute, map[string]string{"U": u.URL})
	_, body := g.do("GET", "/x", nil,
		"X-Forwarded-For", "203.0.113.9, 10.1.2.3",
		"X-Forwarded-Proto", "https",
		"X-Forwarded-Host", "public.example.com")
	s := parseSeen(t, body)
	if got := strings.Join(s.Header["X-Forwarded-For"], ","); got != "203.0.113.9, 10.1.2.3, 127.0.0.1" {
		t.Errorf("X-Forwarded-For = %q; want the chain with the peer appended", got)
	}
	if got := strings.Join(s.Header["X-Real-Ip"], ","); got != "203.0.113.9" {
		t.Errorf("X-Real-Ip = %q; want the first untrusted hop 203.0.113.9", got)
	}
	if got := strings.Join(s.Header["X-Forwarded-Proto"], ","); got != "https" {
		t.Errorf("X-Forwarded-Proto = %q; want https from the trusted proxy", got)
	}
	if got := strings.Join(s.Header["X-Forwarded-Host"], ","); got != "public.example.com" {
		t.Errorf("X-Forwarded-Host = %q; want public.example.com", got)
	}
}

func TestHopByHopAndH2CRemoved(t *testing.T) {
	u := echoServer(t, "u")
	g := startGateway(t, oneRoute, map[string]string{"U": u.URL})
	code, body := g.raw("GET /x HTTP/1.1\r\nHost: a\r\n" +
		"Connection: keep-alive, X-Secret-Hop, Upgrade, HTTP2-Settings\r\n" +
		"X-Secret-Hop: 1\r\nKeep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\n" +
		"Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nTE: trailers, deflate\r\n" +
		"X-Kept: yes\r\n\r\n")
	if code != 200 {
		t.Fatalf("status %d; want 200 (%s)", code, body)
	}
	s := parseSeen(t, body)
	for _, k := range []string{"X-Secret-Hop", "Keep-Alive", "Proxy-Connection", "Upgrade", "Http2-Settings", "Connection"} {
		if v, ok := s.Header[k]; ok {
			t.Errorf("hop-by-hop %s reached upstream: %q", k, v)
		}
	}
	if got := strings.Join(s.Header["X-Kept"], ","); got != "yes" {
		t.Errorf("X-Kept = %q; want yes", got)
	}
}

func TestRequestID(t *testing.T) {
	u := echoServer(t, "u")
	g := startGateway(t, oneRoute, map[string]string{"U": u.URL})

	resp, body := g.do("GET", "/x", nil)
	id := resp.Header.Get("X-Request-Id")
	if len(id) != 36 {
		t.Fatalf("generated X-Request-Id %q; want a UUID", id)
	}
	if got := strings.Join(parseSeen(t, body).Header["X-Request-Id"], ","); got != id {
		t.Errorf("upstream saw X-Request-Id %q; want %q", got, id)
	}

	resp, body = g.do("GET", "/x", nil, "X-Request-ID", "client-abc-123")
	if got := resp.Header.Values("X-Request-Id"); len(got) != 1 || got[0] != "client-abc-123" {
		t.Errorf("valid client id: response has %q; want [client-abc-123]", got)
	}
	if got := strings.Join(parseSeen(t, body).Header["X-Request-Id"], ","); got != "client-abc-123" {
		t.Errorf("upstream saw %q; want client-abc-123", got)
	}

	resp, _ = g.do("GET", "/x", nil, "X-Request-ID", "bad id with spaces <script>")
	if got := resp.Header.Get("X-Request-Id"); got == "bad id with spaces <script>" || len(got) != 36 {
		t.Errorf("invalid client id: response id %q; want a fresh UUID", got)
	}
}

func TestHeaderPolicies(t *testing.T) {
	u := echoServer(t, "u")
	g := startGateway(t, `
services:
  - name: echo
    targets: [{url: "${U}"}]
    policies:
      request_headers:
        set: {X-From-Service: svc}
routes:
  - name: shop
    match: {path_prefix: /}
    service: echo
    policies:
      request_headers:
        remove: [X-Internal]
        rename: {X-Old: X-New}
        set: {X-Route: "{route}", X-Client: "{client_ip}", X-Req: "{request_id}"}
        add: {X-Multi: second}
      response_headers:
        set: {X-Served-By: "gatehouse/{service}"}
        remove: [X-Upstream-Secret]
policies:
  response_headers:
    set: {X-Global: never-seen}
`, map[string]string{"U": u.URL})
	resp, body := g.do("GET", "/x", nil, "X-Internal", "1", "X-Old", "o", "X-Multi", "first")
	s := parseSeen(t, body)
	check := func(k, want string) {
		t.Helper()
		if got := strings.Join(s.Header[k], ","); got != want {
			t.Errorf("upstream %s = %q; want %q", k, got, want)
		}
	}
	check("X-Internal", "")
	check("X-Old", "")
	check("X-New", "o")
	check("X-Route", "shop")
	check("X-Client", "127.0.0.1")
	check("X-Req", resp.Header.Get("X-Request-Id"))
	check("X-Multi", "first,second")
	// The route's request_headers replaces the service's: most specific wins.
	check("X-From-Service", "")
	if got := resp.Header.Get("X-Served-By"); got != "gatehouse/echo" {
		t.Errorf("response X-Served-By = %q; want gatehouse/echo", got)
	}
	if got := resp.Header.Get("X-Global"); got != "" {
		t.Errorf("global response_headers applied (%q) though the route overrides it", got)
	}
}

func TestUpstreamErrors(t *testing.T) {
	// A port with nothing listening: bind, note it, close.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	g := startGateway(t, fmt.Sprintf(`
services:
  - name: dead
    targets: [{url: %q}]
  - name: slow
    targets: [{url: %q}]
    timeouts: {response: 200ms}
routes:
  - {name: dead, match: {path: /dead}, service: dead}
  - {name: slow, match: {path: /slow}, service: slow}
`, dead, slow.URL), nil)

	for _, tt := range []struct {
		path string
		want int
	}{{"/dead", 502}, {"/slow", 504}} {
		resp, body := g.do("GET", tt.path, nil)
		if resp.StatusCode != tt.want {
			t.Errorf("%s: status %d; want %d (%s)", tt.path, resp.StatusCode, tt.want, body)
			continue
		}
		if e := parseError(t, body); e.Status != tt.want {
			t.Errorf("%s: body status %d; want %d", tt.path, e.Status, tt.want)
		}
	}
}

func TestHealthAndHeaderLimits(t *testing.T) {
	var hits atomic.Int32
	u := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(u.Close)
	g := startGateway(t, oneRoute, map[string]string{"U": u.URL})

	resp, body := g.do("GET", "/health", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `"ok"`) {
		t.Errorf("health: %d %q; want 200 ok", resp.StatusCode, body)
	}
	if hits.Load() != 0 {
		t.Errorf("health was proxied upstream")
	}

	var b strings.Builder
	b.WriteString("GET /x HTTP/1.1\r\nHost: a\r\n")
	for i := range 101 {
		fmt.Fprintf(&b, "X-H%d: v\r\n", i)
	}
	b.WriteString("\r\n")
	code, body := g.raw(b.String())
	if code != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("101 headers: status %d; want 431", code)
	}
	parseError(t, body)
	if hits.Load() != 0 {
		t.Errorf("request with too many headers reached upstream")
	}
}

// TestConnectionCannotStripPolicyHeaders: a client naming a header in
// Connection loses its own copy of it, but cannot remove the one a policy
// sets for the upstream.
func TestConnectionCannotStripPolicyHeaders(t *testing.T) {
	u := echoServer(t, "u")
	g := startGateway(t, `
services:
  - name: echo
    targets: [{url: "${U}"}]
routes:
  - name: all
    match: {path_prefix: /}
    service: echo
    policies:
      request_headers:
        set: {X-Gateway-Route: "{route}"}
`, map[string]string{"U": u.URL})
	code, body := g.raw("GET /x HTTP/1.1\r\nHost: a\r\n" +
		"Connection: X-Gateway-Route, X-Client-Hop, keep-alive\r\n" +
		"X-Gateway-Route: forged\r\nX-Client-Hop: 1\r\n\r\n")
	if code != 200 {
		t.Fatalf("status %d; want 200 (%s)", code, body)
	}
	s := parseSeen(t, body)
	if got := strings.Join(s.Header["X-Gateway-Route"], ","); got != "all" {
		t.Errorf("X-Gateway-Route = %q; want the policy's value \"all\"", got)
	}
	if v, ok := s.Header["X-Client-Hop"]; ok {
		t.Errorf("X-Client-Hop named in Connection reached the upstream: %q", v)
	}
}

// TestUnderscoredHeadersDropped: a header a CGI-style service would read
// as X-User-ID never reaches it under another spelling.
func TestUnderscoredHeadersDropped(t *testing.T) {
	u := echoServer(t, "u")
	g := startGateway(t, oneRoute, map[string]string{"U": u.URL})
	code, body := g.raw("GET /x HTTP/1.1\r\nHost: a\r\nX_User_ID: admin\r\nX-Kept: yes\r\n\r\n")
	if code != 200 {
		t.Fatalf("status %d; want 200 (%s)", code, body)
	}
	s := parseSeen(t, body)
	for k := range s.Header {
		if strings.Contains(k, "_") {
			t.Errorf("underscored header %s reached the upstream", k)
		}
	}
	if got := strings.Join(s.Header["X-Kept"], ","); got != "yes" {
		t.Errorf("X-Kept = %q; want yes", got)
	}
}

package e2e

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/quic-go/quic-go/http3"
)

const h3Config = `
listeners:
  - name: public
    addr: "127.0.0.1:0"
    http3: { enabled: true, addr: "127.0.0.1:0" }
services:
  - name: echo
    targets: [{url: "${ECHO}"}]
routes:
  - name: limited
    match: { path_prefix: /limited }
    service: echo
    policies:
      rate_limit:
        key: [global]
        limits: [{requests: 2, per: 1h}]
  - name: all
    match: { path_prefix: /api }
    service: echo
    policies:
      request_headers: { set: { X-Route: "{route}" } }
`

// TestHTTP3SameRoutesAndPolicies: an HTTP/3 client (quic-go's) reaches
// the same routes, policies and services as TCP clients, and TCP
// responses advertise HTTP/3 with Alt-Svc.
func TestHTTP3SameRoutesAndPolicies(t *testing.T) {
	echo := echoServer(t, "echo")
	g := startGatewayTLS(t, h3Config, map[string]string{"ECHO": echo.URL})
	udp := g.g.UDPAddr("public")
	if udp == nil {
		t.Fatal("no HTTP/3 address bound")
	}
	tr := &http3.Transport{TLSClientConfig: &tls.Config{RootCAs: g.roots}}
	t.Cleanup(func() { tr.Close() })
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	base := "https://" + udp.String()

	get := func(path string) (*http.Response, string) {
		t.Helper()
		res, err := c.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s over HTTP/3: %v", path, err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res, string(b)
	}

	res, body := get("/api/x?q=1")
	if res.ProtoMajor != 3 || res.StatusCode != 200 {
		t.Fatalf("got %s %d; want HTTP/3 200", res.Proto, res.StatusCode)
	}
	s := parseSeen(t, body)
	if h := http.Header(s.Header); h.Get("X-Route") != "all" || h.Get("X-Forwarded-Proto") != "https" || s.Path != "/api/x" || s.Query != "q=1" {
		t.Errorf("service saw %+v; want X-Route all, https, /api/x?q=1", s)
	}
	if res.Header.Get("X-Request-Id") == "" {
		t.Error("no X-Request-ID on the HTTP/3 response")
	}

	if res, _ := get("/nowhere"); res.StatusCode != 404 {
		t.Errorf("unrouted path over HTTP/3: %d; want 404", res.StatusCode)
	}
	codes := []int{}
	for range 3 {
		res, _ := get("/limited")
		codes = append(codes, res.StatusCode)
	}
	if codes[0] != 200 || codes[1] != 200 || codes[2] != 429 {
		t.Errorf("rate-limited route over HTTP/3 answered %v; want [200 200 429]", codes)
	}

	// POST with a body of unknown length over HTTP/3.
	pr, pw := io.Pipe()
	go func() {
		io.WriteString(pw, strings.Repeat("b", 100000))
		pw.Close()
	}()
	req, _ := http.NewRequestWithContext(context.Background(), "POST", base+"/api/up", pr)
	pres, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	pb, _ := io.ReadAll(pres.Body)
	pres.Body.Close()
	if s := parseSeen(t, string(pb)); len(s.Body) != 100000 || s.Method != "POST" {
		t.Errorf("service got %s with %d body bytes; want POST with 100000", s.Method, len(s.Body))
	}

	tres, err := tlsClient(g.roots, true).Get("https://" + g.addr + "/api/x")
	if err != nil {
		t.Fatal(err)
	}
	tres.Body.Close()
	if want := `h3=":` + portOf(udp.String()) + `"; ma=2592000`; tres.Header.Get("Alt-Svc") != want {
		t.Errorf("Alt-Svc over TCP = %q; want %q", tres.Header.Get("Alt-Svc"), want)
	}
}

func portOf(addr string) string { return addr[strings.LastIndexByte(addr, ':')+1:] }

package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

const h2cConfig = `
listeners:
  - name: public
    addr: "127.0.0.1:0"
    http2: { h2c: true }
services:
  - name: echo
    targets: [{url: "${ECHO}"}]
routes:
  - name: all
    match: { path_prefix: / }
    service: echo
    policies:
      request_headers: { set: { X-Route: "{route}" } }
`

// TestH2CPriorKnowledge: a listener with h2c serves cleartext HTTP/2 and
// still HTTP/1.1; one without h2c refuses the HTTP/2 preface.
func TestH2CPriorKnowledge(t *testing.T) {
	echo := echoServer(t, "echo")
	g := startGateway(t, h2cConfig, map[string]string{"ECHO": echo.URL})
	res, err := h2cClient().Get(g.url("/x"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.ProtoMajor != 2 || res.StatusCode != 200 {
		t.Fatalf("got %s %d; want HTTP/2.0 200", res.Proto, res.StatusCode)
	}
	if s := parseSeen(t, string(body)); http.Header(s.Header).Get("X-Route") != "all" || s.Path != "/x" {
		t.Errorf("upstream saw route %q path %q; want all, /x", http.Header(s.Header).Get("X-Route"), s.Path)
	}
	if res, _ := g.do("GET", "/x", nil); res.StatusCode != 200 || res.ProtoMajor != 1 {
		t.Errorf("HTTP/1.1 on the h2c listener: %s %d", res.Proto, res.StatusCode)
	}

	plain := startGateway(t, strings.Replace(h2cConfig, "http2: { h2c: true }", "", 1), map[string]string{"ECHO": echo.URL})
	if res, err := h2cClient().Get(plain.url("/x")); err == nil {
		res.Body.Close()
		t.Errorf("h2c without opting in answered %s %d; want a failure", res.Proto, res.StatusCode)
	}
}

const tlsConfig = `
listeners:
  - name: public
    addr: "127.0.0.1:0"
services:
  - name: echo
    targets: [{url: "${ECHO}"}]
routes:
  - name: all
    match: { path_prefix: / }
    service: echo
`

// TestH2OverTLS: ALPN picks h2 for a client that offers it and HTTP/1.1
// for one that does not; the service is told the client used https.
func TestH2OverTLS(t *testing.T) {
	echo := echoServer(t, "echo")
	g := startGatewayTLS(t, tlsConfig, map[string]string{"ECHO": echo.URL})
	for _, h2 := range []bool{true, false} {
		res, err := tlsClient(g.roots, h2).Get("https://" + g.addr + "/p")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if want := map[bool]int{true: 2, false: 1}[h2]; res.ProtoMajor != want || res.StatusCode != 200 {
			t.Errorf("h2=%v: got %s %d; want major %d, 200", h2, res.Proto, res.StatusCode, want)
		}
		if s := parseSeen(t, string(body)); http.Header(s.Header).Get("X-Forwarded-Proto") != "https" {
			t.Errorf("h2=%v: X-Forwarded-Proto %q; want https", h2, http.Header(s.Header).Get("X-Forwarded-Proto"))
		}
	}
}

// TestH2StreamingBodyAndTrailers: an HTTP/2 request body of unknown length
// reaches an HTTP/1.1 service whole (chunked), request trailers go with
// it, and the service's response trailers reach the HTTP/2 client.
func TestH2StreamingBodyAndTrailers(t *testing.T) {
	var mu sync.Mutex
	var gotBody, gotTrailer, gotTE string
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		gotBody, gotTrailer, gotTE = string(b), r.Trailer.Get("X-Sum"), strings.Join(r.TransferEncoding, ",")
		mu.Unlock()
		w.Header().Set("Trailer", "X-Result")
		w.WriteHeader(200)
		io.WriteString(w, "done")
		w.Header().Set("X-Result", "ok")
	}))
	t.Cleanup(svc.Close)
	g := startGateway(t, h2cConfig, map[string]string{"ECHO": svc.URL})

	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", g.url("/up"), pr)
	req.Trailer = http.Header{"X-Sum": nil}
	go func() {
		for i := range 50 {
			fmt.Fprintf(pw, "line %d\n", i)
		}
		req.Trailer.Set("X-Sum", "50")
		pw.Close()
	}()
	res, err := h2cClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.ProtoMajor != 2 || string(body) != "done" || res.Trailer.Get("X-Result") != "ok" {
		t.Errorf("got %s %q trailer %q; want HTTP/2 \"done\" trailer ok", res.Proto, body, res.Trailer.Get("X-Result"))
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.HasPrefix(gotBody, "line 0\n") || !strings.HasSuffix(gotBody, "line 49\n") {
		t.Errorf("service got body %q; want 50 lines", gotBody)
	}
	if gotTE != "chunked" || gotTrailer != "50" {
		t.Errorf("service got Transfer-Encoding %q trailer %q; want chunked, 50", gotTE, gotTrailer)
	}
}

package proxy

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/pipeline"
	"github.com/gatehouse/gatehouse/internal/upstream"
)

// seen is what the echo upstream reports of the request it received.
type seen struct {
	Method, URI, Host string
	Header            http.Header
	Body              string
}

func echoUpstream(t *testing.T) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h := w.Header()
		// Connection-level fields that must not reach the client.
		h.Set("Connection", "X-Hop")
		h.Set("X-Hop", "1")
		h.Set("Keep-Alive", "timeout=5")
		h.Set("X-Up", "kept")
		if r.URL.Path == "/trailer" {
			h.Set("Trailer", "X-Sum")
		}
		json.NewEncoder(w).Encode(seen{r.Method, r.RequestURI, r.Host, r.Header, string(b)})
		if r.URL.Path == "/trailer" {
			h.Set("X-Sum", "42")
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// gatewayFor serves every request through a route to svc, with the
// request state the runtime would set; viaReverseProxy sends it through
// the route's ReverseProxy (the reference) instead of the forwarder.
func gatewayFor(t *testing.T, svc *Service, viaReverseProxy bool) *httptest.Server {
	rt := NewRoute(RouteSettings{Service: svc, StripPrefix: "/api"}, nil)
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &pipeline.State{RequestID: "rid", ClientIP: "127.0.0.1", Peer: "127.0.0.1",
			Scheme: "http", Host: r.Host, Path: r.URL.Path}
		r = pipeline.WithState(r, st)
		if viaReverseProxy {
			st.UpstreamStart = time.Now()
			rt.upgrades.ServeHTTP(w, r)
			return
		}
		if err := rt.Serve(w, r); err != nil {
			t.Error(err)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func newServiceFor(t *testing.T, target string) *Service {
	tg, err := upstream.ParseTarget(target, 1)
	if err != nil {
		t.Fatal(err)
	}
	up, err := upstream.New([]*upstream.Target{tg}, upstream.Settings{Service: "s", RetryMinConcurrency: 10})
	if err != nil {
		t.Fatal(err)
	}
	tr := NewPoolTransport(TransportOptions{MaxIdle: 4})
	svc := NewService(ServiceSettings{Name: "s", Upstream: up, Transport: tr,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	t.Cleanup(svc.Close)
	return svc
}

// TestForwardMatchesReverseProxy is the forwarder's contract: the same
// requests through it and through httputil.ReverseProxy (with the same
// Rewrite) must reach the upstream as the same request and the client as
// the same response, field for field.
func TestForwardMatchesReverseProxy(t *testing.T) {
	up := echoUpstream(t)
	svc := newServiceFor(t, up.URL)
	fast := gatewayFor(t, svc, false)
	slow := gatewayFor(t, svc, true)
	cases := []struct {
		name, method, path, body string
		header                   map[string][]string
	}{
		{"plain GET", "GET", "/api/orders", "", nil},
		{"query kept", "GET", "/api/orders?a=1&b=%20x", "", nil},
		{"semicolon query re-encoded", "GET", "/api/orders?a=1;b=2", "", nil},
		{"bad escape re-encoded", "GET", "/api/orders?a=%zz&b=1", "", nil},
		{"hop-by-hop dropped", "GET", "/api/x", "", map[string][]string{
			"Connection": {"keep-alive, X-Secret"}, "X-Secret": {"s"}, "Keep-Alive": {"300"},
			"Proxy-Authorization": {"Basic eA=="}, "Proxy-Connection": {"keep-alive"}, "X-Kept": {"k"}}},
		{"spoofed forwarding replaced", "GET", "/api/x", "", map[string][]string{
			"X-Forwarded-For": {"6.6.6.6"}, "X-Forwarded-Host": {"evil"}, "X-Forwarded-Proto": {"https"},
			"Forwarded": {"for=6.6.6.6"}, "X-Real-Ip": {"6.6.6.6"}, "X-Forwarded-Prefix": {"/evil"}}},
		{"te trailers kept, other te dropped", "GET", "/api/x", "", map[string][]string{"Te": {"gzip, trailers"}}},
		{"te look-alike not taken for trailers", "GET", "/api/x", "", map[string][]string{"Te": {"trailer\u017f"}}},
		{"user agent kept", "GET", "/api/x", "", map[string][]string{"User-Agent": {"curl/8"}}},
		{"repeated values in order", "GET", "/api/x", "", map[string][]string{"X-Multi": {"1", "2", "3"}}},
		{"POST with a body", "POST", "/api/charge", `{"amount":1}`, map[string][]string{"Content-Type": {"application/json"}}},
		{"PUT with an empty body", "PUT", "/api/x", "", nil},
		{"response trailers", "GET", "/api/trailer", "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, aBody, aTrailer := roundTrip(t, fast.URL, c.method, c.path, c.body, c.header)
			b, bBody, bTrailer := roundTrip(t, slow.URL, c.method, c.path, c.body, c.header)
			var sa, sb seen
			if err := json.Unmarshal([]byte(aBody), &sa); err != nil {
				t.Fatalf("fast path body %q: %v", aBody, err)
			}
			json.Unmarshal([]byte(bBody), &sb)
			if !reflect.DeepEqual(sa, sb) {
				t.Fatalf("upstream saw\n fast: %+v\n slow: %+v", sa, sb)
			}
			delete(a, "Date")
			delete(b, "Date")
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("client got headers\n fast: %v\n slow: %v", a, b)
			}
			if !reflect.DeepEqual(aTrailer, bTrailer) {
				t.Fatalf("trailers fast %v, slow %v", aTrailer, bTrailer)
			}
			if a.Get("X-Hop") != "" || a.Get("Keep-Alive") != "" || a.Get("X-Up") != "kept" {
				t.Fatalf("response headers %v: hop-by-hop fields leaked or X-Up lost", a)
			}
			if sa.Header.Get("X-Secret") != "" || sa.Header.Get("Proxy-Authorization") != "" ||
				sa.Header.Get("X-Forwarded-For") != "127.0.0.1" || sa.Header.Get("Forwarded") != "" {
				t.Fatalf("upstream headers %v: hop-by-hop or spoofed fields got through", sa.Header)
			}
		})
	}
}

func roundTrip(t *testing.T, base, method, path, body string, h map[string][]string) (http.Header, string, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != "" || method == "PUT" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "gw.test" // the same X-Forwarded-Host through both gateways
	for k, vv := range h {
		req.Header[k] = vv
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return resp.Header, string(b), resp.Trailer
}

func TestIsEventStream(t *testing.T) {
	for ct, want := range map[string]bool{
		"text/event-stream": true, "Text/Event-Stream": true, "text/event-stream; charset=utf-8": true,
		"text/event-stream;x=1": true, "text/event-streams": false, "text/html": false, "": false,
	} {
		res := &http.Response{Header: http.Header{"Content-Type": {ct}}}
		if got := isEventStream(res); got != want {
			t.Errorf("isEventStream(%q) = %v; want %v", ct, got, want)
		}
	}
}

func TestSkipUpstreamCoversSpoofable(t *testing.T) {
	for _, k := range spoofable {
		if !skipUpstream(k) {
			t.Errorf("skipUpstream(%q) = false: a spoofable header would reach the service on the fast path", k)
		}
	}
	for _, k := range []string{"Connection", "Te", "Upgrade", "X-Forwarded-For"} {
		if !skipUpstream(k) {
			t.Errorf("skipUpstream(%q) = false", k)
		}
	}
	if skipUpstream("X-Request-Id") || skipUpstream("Content-Type") {
		t.Error("skipUpstream drops a header the service must get")
	}
}

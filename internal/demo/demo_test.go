package demo

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// startServices runs the real services for one test and stops them after.
func startServices(t *testing.T) *Services {
	t.Helper()
	s, err := Start(t.Context())
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

type result struct {
	status int
	header http.Header
	body   map[string]any
}

// call sends one real HTTP request and decodes the JSON object answer.
func call(t *testing.T, method, url, body string, hdr map[string]string) result {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s %s: Content-Type %q, body %s", method, url, ct, raw)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s %s: body is not a JSON object: %v: %s", method, url, err, raw)
	}
	return result{resp.StatusCode, resp.Header, m}
}

// wantError checks the shared {"error","status"} shape.
func wantError(t *testing.T, r result, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d (body %v)", r.status, status, r.body)
	}
	if got, _ := r.body["status"].(float64); int(got) != status {
		t.Errorf("body status %v, want %d", r.body["status"], status)
	}
	if msg, _ := r.body["error"].(string); msg == "" {
		t.Errorf("body has no error message: %v", r.body)
	}
}

func TestStartURLsAndEnv(t *testing.T) {
	s := startServices(t)
	env := s.Env()
	for key, url := range map[string]string{"AUTH_URL": s.Auth, "ORDERS_URL": s.Orders, "PAYMENTS_URL": s.Payments} {
		if !strings.HasPrefix(url, "http://127.0.0.1:") {
			t.Errorf("%s = %q, want a loopback base URL", key, url)
		}
		if env[key] != url {
			t.Errorf("Env()[%s] = %q, want %q", key, env[key], url)
		}
	}
	if want := s.Auth + "/.well-known/jwks.json"; env["AUTH_JWKS_URL"] != want {
		t.Errorf("Env()[AUTH_JWKS_URL] = %q, want %q", env["AUTH_JWKS_URL"], want)
	}
	if len(env) != 4 {
		t.Errorf("Env() has %d entries, want 4", len(env))
	}
	for _, base := range []string{s.Auth, s.Orders, s.Payments} {
		if r := call(t, "GET", base+"/health", "", nil); r.status != 200 || r.body["status"] != "ok" {
			t.Errorf("GET %s/health: %d %v", base, r.status, r.body)
		}
	}
}

func TestLogin(t *testing.T) {
	s := startServices(t)
	for _, user := range []string{"alice", "bob"} {
		r := call(t, "POST", s.Auth+"/login", `{"username":"`+user+`","password":"secret"}`, nil)
		if r.status != 200 {
			t.Fatalf("login %s: status %d %v", user, r.status, r.body)
		}
		if tok, _ := r.body["token"].(string); strings.Count(tok, ".") != 2 {
			t.Errorf("login %s: token %q is not a JWT", user, tok)
		}
		u, _ := r.body["user"].(map[string]any)
		if u["username"] != user {
			t.Errorf("login %s: user %v", user, r.body["user"])
		}
	}

	bad := []struct{ name, body string }{
		{"wrong password", `{"username":"alice","password":"nope"}`},
		{"unknown user", `{"username":"mallory","password":"secret"}`},
	}
	for _, c := range bad {
		r := call(t, "POST", s.Auth+"/login", c.body, nil)
		wantError(t, r, 401)
		if r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: no WWW-Authenticate header", c.name)
		}
	}
	wantError(t, call(t, "POST", s.Auth+"/login", `{"username":`, nil), 400)
	wantError(t, call(t, "POST", s.Auth+"/login", `{}`, nil), 400)

	// The mux's own 405 is JSON too and keeps its Allow header.
	r := call(t, "GET", s.Auth+"/login", "", nil)
	wantError(t, r, 405)
	if r.header.Get("Allow") == "" {
		t.Error("405 without Allow header")
	}
}

// gatewayHeaders are what a gateway would add; the services must echo them.
var gatewayHeaders = map[string]string{
	"X-Request-ID":      "req-123",
	"X-Forwarded-For":   "203.0.113.7",
	"X-Forwarded-Host":  "shop.example",
	"X-Forwarded-Proto": "https",
}

func checkSeen(t *testing.T, body map[string]any, service, path string) {
	t.Helper()
	seen, ok := body["seen_by_service"].(map[string]any)
	if !ok {
		t.Fatalf("no seen_by_service in %v", body)
	}
	want := map[string]string{
		"service":           service,
		"path":              path,
		"x_request_id":      "req-123",
		"x_forwarded_for":   "203.0.113.7",
		"x_forwarded_host":  "shop.example",
		"x_forwarded_proto": "https",
	}
	for k, v := range want {
		if seen[k] != v {
			t.Errorf("seen_by_service.%s = %v, want %q", k, seen[k], v)
		}
	}
}

func TestOrders(t *testing.T) {
	s := startServices(t)

	r := call(t, "GET", s.Orders+"/orders", "", gatewayHeaders)
	if r.status != 200 {
		t.Fatalf("list: %d %v", r.status, r.body)
	}
	if list, _ := r.body["orders"].([]any); len(list) != 3 {
		t.Errorf("list: %d orders, want 3", len(list))
	}
	checkSeen(t, r.body, "orders", "/orders")

	r = call(t, "GET", s.Orders+"/orders/1002", "", gatewayHeaders)
	if r.status != 200 {
		t.Fatalf("get 1002: %d %v", r.status, r.body)
	}
	if o, _ := r.body["order"].(map[string]any); o["id"] != "1002" || o["customer"] != "bob" {
		t.Errorf("get 1002: %v", r.body["order"])
	}
	checkSeen(t, r.body, "orders", "/orders/1002")

	wantError(t, call(t, "GET", s.Orders+"/orders/9999", "", nil), 404)

	r = call(t, "POST", s.Orders+"/orders", `{"customer":"alice","item":"kettle","quantity":1}`, gatewayHeaders)
	if r.status != 201 {
		t.Fatalf("create: %d %v", r.status, r.body)
	}
	o, _ := r.body["order"].(map[string]any)
	if o["item"] != "kettle" || o["quantity"] != float64(1) || o["status"] != "created" {
		t.Errorf("create: %v", o)
	}
	checkSeen(t, r.body, "orders", "/orders")
	id, _ := o["id"].(string)
	if loc := r.header.Get("Location"); loc != "/orders/"+id {
		t.Errorf("create: Location %q, want /orders/%s", loc, id)
	}
	// The created order is kept and can be fetched.
	if r := call(t, "GET", s.Orders+"/orders/"+id, "", nil); r.status != 200 {
		t.Errorf("get created %s: %d", id, r.status)
	}

	for _, body := range []string{`not json`, `{"item":"x","quantity":0}`, `{"quantity":2}`, `{"item":"x","quantity":"2"}`, `{"item":"x","quantity":1} {}`} {
		wantError(t, call(t, "POST", s.Orders+"/orders", body, nil), 400)
	}
}

func TestOrdersStream(t *testing.T) {
	s := startServices(t)
	req, _ := http.NewRequestWithContext(t.Context(), "GET", s.Orders+"/orders/stream", nil)
	for k, v := range gatewayHeaders {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	// Parse events (blank-line separated) until the server ends the body.
	var events []streamEvent
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if data, ok := strings.CutPrefix(line, "data: "); ok {
			var ev streamEvent
			if err := json.Unmarshal([]byte(data), &ev); err != nil {
				t.Fatalf("event data %q: %v", data, err)
			}
			events = append(events, ev)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(events) != streamEvents {
		t.Fatalf("got %d events, want %d", len(events), streamEvents)
	}
	for i, ev := range events {
		if ev.Seq != i+1 || ev.SeenByService.XRequestID != "req-123" || ev.SeenByService.Path != "/orders/stream" {
			t.Errorf("event %d: %+v", i, ev)
		}
	}
}

func TestCharge(t *testing.T) {
	s := startServices(t)
	r := call(t, "POST", s.Payments+"/charge", `{"amount":1299,"currency":"eur","order_id":"1001"}`, gatewayHeaders)
	if r.status != 200 {
		t.Fatalf("charge: %d %v", r.status, r.body)
	}
	if r.body["status"] != "succeeded" || r.body["amount"] != float64(1299) || r.body["currency"] != "EUR" {
		t.Errorf("charge: %v", r.body)
	}
	if id, _ := r.body["charge_id"].(string); !strings.HasPrefix(id, "ch_") {
		t.Errorf("charge_id %q", id)
	}
	checkSeen(t, r.body, "payments", "/charge")

	for _, body := range []string{
		`{"amount":0,"currency":"EUR"}`,
		`{"amount":-5,"currency":"EUR"}`,
		`{"currency":"EUR"}`,
		`{"amount":12.5,"currency":"EUR"}`,
		`{"amount":100,"currency":"EURO"}`,
		`{"amount":100}`,
		`[1,2]`,
		``,
	} {
		wantError(t, call(t, "POST", s.Payments+"/charge", body, nil), 400)
	}
}

func TestUnknownPathIsJSON404(t *testing.T) {
	s := startServices(t)
	for _, base := range []string{s.Auth, s.Orders, s.Payments} {
		wantError(t, call(t, "GET", base+"/nope", "", nil), 404)
	}
}

func TestCloseStopsServing(t *testing.T) {
	s := startServices(t)
	s.Close()
	s.Close() // idempotent
	if resp, err := http.Get(s.Orders + "/orders"); err == nil {
		resp.Body.Close()
		t.Fatal("orders still answering after Close")
	}
}

func TestCancelStopsServing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cancel()
	// Close after cancel waits for the shutdown the cancel started.
	s.Close()
	if resp, err := http.Get(s.Auth + "/health"); err == nil {
		resp.Body.Close()
		t.Fatal("auth still answering after ctx cancel")
	}
}

package e2e

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
)

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestGRPCGatewayAnswersAsStatus: every answer the gateway makes itself
// reaches a grpc-go client as the matching status, not an HTTP error.
func TestGRPCGatewayAnswersAsStatus(t *testing.T) {
	be := startGRPCBackend(t, "up")
	const m = `{path_prefix: /grpc.testing.TestService/, headers: [{name: x-case, value: %s}]}`
	match := func(c string) string { return strings.Replace(m, "%s", c, 1) }
	g := startGateway(t, `
services:
  - {name: up, protocol: h2c, targets: [{url: "http://${UP}"}]}
  - {name: down, protocol: h2c, targets: [{url: "http://${DOWN}"}]}
  - name: breaker
    protocol: h2c
    targets: [{url: "http://${DOWN}"}]
    circuit_breaker: {consecutive_failures: 1, open_duration: 1h}
routes:
  - {name: auth, match: `+match("auth")+`, service: up, policies: {key_auth: {}}}
  - {name: acl, match: `+match("acl")+`, service: up, policies: {key_auth: {}, acl: {allow_groups: [paid]}}}
  - {name: limited, match: `+match("limit")+`, service: up, policies: {rate_limit: {limits: [{requests: 1, per: 1h}]}}}
  - {name: down, match: `+match("down")+`, service: down, fallback: {status: 200, body: "fallback page"}}
  - {name: breaker, match: `+match("breaker")+`, service: breaker}
  - {name: slow, match: `+match("slow")+`, service: up, timeouts: {overall: 200ms}}
  - {name: unary, match: {path: /grpc.testing.TestService/UnaryCall, headers: [{name: x-case, present: false}]}, service: up}
consumers:
  - {name: free-app, groups: [free], api_keys: [{key: K-free}]}
`, map[string]string{"UP": be.addr, "DOWN": closedAddr(t)})
	c := dialGRPC(t, serveH2C(t, g))
	call := func(kv ...string) error {
		ctx := metadata.AppendToOutgoingContext(callCtx(t), kv...)
		_, err := c.UnaryCall(ctx, &testpb.SimpleRequest{})
		return err
	}

	// No route: only UnaryCall is routed without a case header.
	_, err := c.EmptyCall(callCtx(t), &testpb.Empty{})
	wantCode(t, "no route", err, codes.Unimplemented)
	wantCode(t, "no key", call("x-case", "auth"), codes.Unauthenticated)
	wantCode(t, "wrong key", call("x-case", "auth", "x-api-key", "nope"), codes.Unauthenticated)
	if err := call("x-case", "auth", "x-api-key", "K-free"); err != nil {
		t.Fatalf("with a key: %v", err)
	}
	wantCode(t, "acl", call("x-case", "acl", "x-api-key", "K-free"), codes.PermissionDenied)
	if err := call("x-case", "limit"); err != nil {
		t.Fatalf("first call under the limit: %v", err)
	}
	wantCode(t, "rate limit", call("x-case", "limit"), codes.ResourceExhausted)
	wantCode(t, "service down", call("x-case", "down"), codes.Unavailable)
	wantCode(t, "breaker trips", call("x-case", "breaker"), codes.Unavailable)
	st := wantCode(t, "breaker open", call("x-case", "breaker"), codes.Unavailable)
	if !strings.Contains(st.Message(), "circuit open") {
		t.Errorf("breaker message %q; want it to say the circuit is open", st.Message())
	}
	ctx := metadata.AppendToOutgoingContext(callCtx(t), "x-case", "slow")
	_, err = c.UnaryCall(ctx, &testpb.SimpleRequest{FillUsername: true})
	wantCode(t, "route timeout", err, codes.DeadlineExceeded)
}

// TestGRPCTimeoutBoundsUpstream: a client's grpc-timeout ends the
// upstream call at the gateway, before and after the response started,
// even when the service ignores it. Raw HTTP/2 on both sides, so neither
// grpc-go's client nor its server enforces the deadline.
func TestGRPCTimeoutBoundsUpstream(t *testing.T) {
	cancelled := make(chan string, 2)
	up := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/grpc")
		if r.URL.Path == "/s.S/Started" {
			w.WriteHeader(http.StatusOK)
			w.Write([]byte{0, 0, 0, 0, 0}) // one empty message
			w.(http.Flusher).Flush()
		}
		select {
		case <-r.Context().Done():
			cancelled <- r.URL.Path
		case <-time.After(10 * time.Second):
		}
	})}
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	up.Protocols = &p
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go up.Serve(ln)
	t.Cleanup(func() { up.Close() })

	g := startGateway(t, `
services:
  - {name: s, protocol: h2c, targets: [{url: "http://${UP}"}]}
routes:
  - {match: {path_prefix: /s.S/}, service: s}
`, map[string]string{"UP": ln.Addr().String()})
	addr := serveH2C(t, g)
	h2 := &http.Client{Transport: &http.Transport{Protocols: &p}, Timeout: 10 * time.Second}

	for _, path := range []string{"/s.S/Waiting", "/s.S/Started"} {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, "http://"+addr+path, strings.NewReader("\x00\x00\x00\x00\x00"))
		req.Header.Set("Content-Type", "application/grpc")
		req.Header.Set("Te", "trailers")
		req.Header.Set("Grpc-Timeout", "200m")
		res, err := h2.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		got := res.Header.Get("Grpc-Status")
		if got == "" {
			got = res.Trailer.Get("Grpc-Status")
		}
		if res.StatusCode != http.StatusOK || got != "4" {
			t.Errorf("%s: HTTP %d grpc-status %q; want 200 and 4 (DEADLINE_EXCEEDED)", path, res.StatusCode, got)
		}
		select {
		case p := <-cancelled:
			if p != path {
				t.Errorf("cancelled %s; want %s", p, path)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("%s: the service's request was not cancelled", path)
		}
	}
}

package e2e

import (
	"io"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/metrics"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
)

const grpcConfig = `
services:
  - name: grpc
    protocol: h2c
    targets: [{url: "http://${GRPC}"}]
routes:
  - name: grpc-test
    match: {path_prefix: /grpc.testing.TestService/}
    service: grpc
`

// TestGRPCCallKinds: unary, server, client and bidirectional streaming
// through the gateway to a grpc-go server over h2c, with header and
// trailer metadata both ways.
func TestGRPCCallKinds(t *testing.T) {
	be := startGRPCBackend(t, "b1")
	g := startGateway(t, grpcConfig, map[string]string{"GRPC": be.addr})
	c := dialGRPC(t, serveH2C(t, g))

	t.Run("unary", func(t *testing.T) {
		var hdr, trl metadata.MD
		ctx := metadata.AppendToOutgoingContext(callCtx(t), "x-caller", "test")
		res, err := c.UnaryCall(ctx, &testpb.SimpleRequest{Payload: &testpb.Payload{Body: []byte("ping")}},
			grpc.Header(&hdr), grpc.Trailer(&trl))
		if err != nil {
			t.Fatal(err)
		}
		if string(res.GetPayload().GetBody()) != "ping" || res.GetUsername() != "b1" {
			t.Errorf("got %q from %q; want ping from b1", res.GetPayload().GetBody(), res.GetUsername())
		}
		if got := hdr.Get("x-backend"); len(got) != 1 || got[0] != "b1" {
			t.Errorf("header x-backend = %v; want [b1]", got)
		}
		if got := trl.Get("x-trailer"); len(got) != 1 || got[0] != "done-b1" {
			t.Errorf("trailer x-trailer = %v; want [done-b1]", got)
		}
		md := <-be.got
		if got := md.Get("x-caller"); len(got) != 1 || got[0] != "test" {
			t.Errorf("service got x-caller %v; want [test]", got)
		}
	})

	t.Run("server streaming", func(t *testing.T) {
		req := &testpb.StreamingOutputCallRequest{}
		for i := range 5 {
			req.ResponseParameters = append(req.ResponseParameters, &testpb.ResponseParameters{Size: int32(100 * (i + 1))})
		}
		s, err := c.StreamingOutputCall(callCtx(t), req)
		if err != nil {
			t.Fatal(err)
		}
		var sizes []int
		for {
			m, err := s.Recv()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, len(m.GetPayload().GetBody()))
		}
		if len(sizes) != 5 || sizes[0] != 100 || sizes[4] != 500 {
			t.Errorf("sizes %v; want 100..500", sizes)
		}
		if got := s.Trailer().Get("x-sent"); len(got) != 1 || got[0] != "all" {
			t.Errorf("trailer x-sent = %v; want [all]", got)
		}
	})

	t.Run("client streaming", func(t *testing.T) {
		s, err := c.StreamingInputCall(callCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{10, 20000, 3, 70000} {
			if err := s.Send(&testpb.StreamingInputCallRequest{Payload: &testpb.Payload{Body: make([]byte, n)}}); err != nil {
				t.Fatal(err)
			}
		}
		res, err := s.CloseAndRecv()
		if err != nil {
			t.Fatal(err)
		}
		if got := res.GetAggregatedPayloadSize(); got != 90013 {
			t.Errorf("aggregated %d; want 90013", got)
		}
	})

	t.Run("bidirectional ping-pong", func(t *testing.T) {
		s, err := c.FullDuplexCall(callCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		// Each answer is awaited before the next message is sent: a proxy
		// that buffered either direction would hang here (bounded by the
		// call's context).
		for i := range 20 {
			size := int32(i*37 + 1)
			if err := s.Send(&testpb.StreamingOutputCallRequest{ResponseParameters: []*testpb.ResponseParameters{{Size: size}}}); err != nil {
				t.Fatal(err)
			}
			m, err := s.Recv()
			if err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
			if int32(len(m.GetPayload().GetBody())) != size {
				t.Fatalf("message %d: size %d; want %d", i, len(m.GetPayload().GetBody()), size)
			}
		}
		if err := s.CloseSend(); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Recv(); err != io.EOF {
			t.Fatalf("after close: %v; want EOF", err)
		}
	})

	t.Run("service status passes through", func(t *testing.T) {
		_, err := c.UnaryCall(callCtx(t), &testpb.SimpleRequest{ResponseStatus: &testpb.EchoStatus{Code: int32(codes.NotFound), Message: "no such user"}})
		st := wantCode(t, "service error", err, codes.NotFound)
		if st.Message() != "no such user" {
			t.Errorf("message %q; want the service's", st.Message())
		}
	})

	t.Run("access log and metrics carry the status", func(t *testing.T) {
		before := counter(t, metrics.GRPCRequests.WithLabelValues("grpc-test", "OK"))
		if _, err := c.EmptyCall(callCtx(t), &testpb.Empty{}); err == nil {
			t.Fatal("EmptyCall is unimplemented by the service; got no error")
		}
		if _, err := c.UnaryCall(callCtx(t), &testpb.SimpleRequest{}); err != nil {
			t.Fatal(err)
		}
		if after := counter(t, metrics.GRPCRequests.WithLabelValues("grpc-test", "OK")); after != before+1 {
			t.Errorf("OK calls counted %v -> %v; want one more", before, after)
		}
		lines := g.accessLines("/grpc.testing.TestService/EmptyCall")
		if len(lines) == 0 || !strings.Contains(lines[len(lines)-1], `"grpc_status":"12"`) {
			t.Errorf("access log for EmptyCall %q lacks grpc_status 12", lines)
		}
	})
}

// TestGRPCRouteByMethod: a route can take one /package.Service/Method.
func TestGRPCRouteByMethod(t *testing.T) {
	b1, b2 := startGRPCBackend(t, "b1"), startGRPCBackend(t, "b2")
	g := startGateway(t, `
services:
  - {name: one, protocol: h2c, targets: [{url: "http://${B1}"}]}
  - {name: two, protocol: h2c, targets: [{url: "http://${B2}"}]}
routes:
  - {match: {path: /grpc.testing.TestService/UnaryCall}, service: two}
  - {match: {path_prefix: /grpc.testing.TestService/}, service: one}
`, map[string]string{"B1": b1.addr, "B2": b2.addr})
	c := dialGRPC(t, serveH2C(t, g))
	res, err := c.UnaryCall(callCtx(t), &testpb.SimpleRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if res.GetUsername() != "b2" {
		t.Errorf("UnaryCall answered by %q; want b2 (its own route)", res.GetUsername())
	}
	s, err := c.StreamingOutputCall(callCtx(t), &testpb.StreamingOutputCallRequest{ResponseParameters: []*testpb.ResponseParameters{{Size: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Recv(); err != nil {
		t.Fatal(err)
	}
	if h, _ := s.Header(); len(h.Get("x-backend")) != 1 || h.Get("x-backend")[0] != "b1" {
		t.Errorf("StreamingOutputCall answered by %v; want b1", h.Get("x-backend"))
	}
}

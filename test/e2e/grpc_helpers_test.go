package e2e

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// grpcBackend is grpc.testing.TestService on a real grpc-go server: it
// echoes payloads, names itself in a header, and reports what it got.
type grpcBackend struct {
	testpb.UnimplementedTestServiceServer
	name   string
	addr   string
	health *health.Server
	// got receives the metadata of each call.
	got chan metadata.MD
}

// startGRPCBackend serves the test service (and the health service) in
// cleartext HTTP/2 on 127.0.0.1:0, or with opts (TLS credentials).
func startGRPCBackend(t *testing.T, name string, opts ...grpc.ServerOption) *grpcBackend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &grpcBackend{name: name, addr: ln.Addr().String(), health: health.NewServer(), got: make(chan metadata.MD, 64)}
	s := grpc.NewServer(opts...)
	testpb.RegisterTestServiceServer(s, b)
	healthpb.RegisterHealthServer(s, b.health)
	go s.Serve(ln)
	t.Cleanup(s.Stop)
	return b
}

func (b *grpcBackend) note(ctx context.Context) {
	md, _ := metadata.FromIncomingContext(ctx)
	select {
	case b.got <- md:
	default:
	}
	_ = grpc.SetHeader(ctx, metadata.Pairs("x-backend", b.name))
}

func (b *grpcBackend) UnaryCall(ctx context.Context, in *testpb.SimpleRequest) (*testpb.SimpleResponse, error) {
	b.note(ctx)
	if in.GetResponseStatus() != nil {
		return nil, status.Error(codes.Code(in.GetResponseStatus().GetCode()), in.GetResponseStatus().GetMessage())
	}
	if in.GetFillUsername() {
		// A slow call: it waits for its deadline (or the caller's cancel).
		<-ctx.Done()
		return nil, ctx.Err()
	}
	_ = grpc.SetTrailer(ctx, metadata.Pairs("x-trailer", "done-"+b.name))
	return &testpb.SimpleResponse{Payload: in.GetPayload(), Username: b.name}, nil
}

// StreamingOutputCall sends one message per response parameter; a
// parameter with interval waits that long first.
func (b *grpcBackend) StreamingOutputCall(in *testpb.StreamingOutputCallRequest, s grpc.ServerStreamingServer[testpb.StreamingOutputCallResponse]) error {
	b.note(s.Context())
	for _, p := range in.GetResponseParameters() {
		if d := time.Duration(p.GetIntervalUs()) * time.Microsecond; d > 0 {
			select {
			case <-time.After(d):
			case <-s.Context().Done():
				return s.Context().Err()
			}
		}
		if err := s.Send(&testpb.StreamingOutputCallResponse{Payload: &testpb.Payload{Body: make([]byte, p.GetSize())}}); err != nil {
			return err
		}
	}
	s.SetTrailer(metadata.Pairs("x-sent", "all"))
	return nil
}

// StreamingInputCall sums the payload sizes it receives.
func (b *grpcBackend) StreamingInputCall(s grpc.ClientStreamingServer[testpb.StreamingInputCallRequest, testpb.StreamingInputCallResponse]) error {
	b.note(s.Context())
	var sum int32
	for {
		m, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return s.SendAndClose(&testpb.StreamingInputCallResponse{AggregatedPayloadSize: sum})
		}
		if err != nil {
			return err
		}
		sum += int32(len(m.GetPayload().GetBody()))
	}
}

// FullDuplexCall answers each message at once with a payload of the size
// it asks for: a ping-pong that only works if every message is passed on
// as it comes, both ways.
func (b *grpcBackend) FullDuplexCall(s grpc.BidiStreamingServer[testpb.StreamingOutputCallRequest, testpb.StreamingOutputCallResponse]) error {
	b.note(s.Context())
	for {
		m, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		var size int32
		if ps := m.GetResponseParameters(); len(ps) > 0 {
			size = ps[0].GetSize()
		}
		if err := s.Send(&testpb.StreamingOutputCallResponse{Payload: &testpb.Payload{Body: make([]byte, size)}}); err != nil {
			return err
		}
	}
}

// serveH2C serves the gateway's public handler on a second listener that
// also speaks cleartext HTTP/2 with prior knowledge, so gRPC clients can
// reach it whatever the listeners offer.
func serveH2C(t *testing.T, g *gw) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: g.g.Handler("public"), Protocols: &p, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// dialGRPC is a grpc-go client of addr in cleartext.
func dialGRPC(t *testing.T, addr string) testpb.TestServiceClient {
	t.Helper()
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return testpb.NewTestServiceClient(cc)
}

// callCtx bounds one call in a test.
func callCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// wantCode fails unless err is a gRPC status with code want.
func wantCode(t *testing.T, what string, err error, want codes.Code) *status.Status {
	t.Helper()
	st, ok := status.FromError(err)
	if !ok {
		t.Fatalf("%s: error %v is not a gRPC status", what, err)
	}
	if st.Code() != want {
		t.Fatalf("%s: code %v (%q); want %v", what, st.Code(), st.Message(), want)
	}
	return st
}

// accessLines are the access log lines that mention s.
func (g *gw) accessLines(s string) []string {
	var out []string
	for _, l := range strings.Split(g.logs.String(), "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return out
}

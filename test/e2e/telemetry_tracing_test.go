package e2e

import (
	"compress/gzip"
	"context"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
)

// spanSink collects the spans an OTLP receiver got.
type spanSink struct {
	mu    sync.Mutex
	spans []*tracepb.Span
}

func (s *spanSink) add(req *coltracepb.ExportTraceServiceRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			s.spans = append(s.spans, ss.GetSpans()...)
		}
	}
}

func (s *spanSink) all() []*tracepb.Span {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*tracepb.Span(nil), s.spans...)
}

// otlpHTTPReceiver is an in-process OTLP/HTTP collector.
func otlpHTTPReceiver(t *testing.T) (*spanSink, string) {
	sink := &spanSink{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			body = zr
		}
		b, _ := io.ReadAll(body)
		req := &coltracepb.ExportTraceServiceRequest{}
		if err := proto.Unmarshal(b, req); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		sink.add(req)
		w.Header().Set("Content-Type", "application/x-protobuf")
		out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Write(out)
	}))
	t.Cleanup(srv.Close)
	return sink, srv.URL + "/v1/traces"
}

type grpcTraceService struct {
	coltracepb.UnimplementedTraceServiceServer
	sink *spanSink
}

func (g *grpcTraceService) Export(_ context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	g.sink.add(req)
	return &coltracepb.ExportTraceServiceResponse{}, nil
}

func otlpGRPCReceiver(t *testing.T) (*spanSink, string) {
	sink := &spanSink{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	coltracepb.RegisterTraceServiceServer(srv, &grpcTraceService{sink: sink})
	go srv.Serve(ln)
	t.Cleanup(srv.Stop)
	return sink, ln.Addr().String()
}

// traceUpstream records the traceparent it receives.
func traceUpstream(t *testing.T) (*httptest.Server, func() string) {
	var mu sync.Mutex
	var last string
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		last = r.Header.Get("Traceparent")
		mu.Unlock()
		io.WriteString(w, "ok")
	}))
	t.Cleanup(s.Close)
	return s, func() string { mu.Lock(); defer mu.Unlock(); return last }
}

const tracingConfig = `
services:
  - name: traced
    targets: [{url: "${UP}"}]
routes:
  - name: traced-route
    match: {path_prefix: /}
    service: traced
tracing:
  exporter: ${EXPORTER}
  endpoint: "${ENDPOINT}"
  insecure: true
  sample_ratio: ${RATIO}
`

func TestTracingOTLP(t *testing.T) {
	for _, exporter := range []string{"otlp_http", "otlp_grpc"} {
		t.Run(exporter, func(t *testing.T) {
			var sink *spanSink
			var endpoint string
			if exporter == "otlp_http" {
				sink, endpoint = otlpHTTPReceiver(t)
			} else {
				sink, endpoint = otlpGRPCReceiver(t)
			}
			up, seen := traceUpstream(t)
			g := startGateway(t, tracingConfig, map[string]string{"UP": up.URL, "EXPORTER": exporter, "ENDPOINT": endpoint, "RATIO": "1"})

			// A client trace is continued.
			const clientTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
			resp, _ := g.do("GET", "/orders", nil, "Traceparent", "00-"+clientTrace+"-00f067aa0ba902b7-01")
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			tp := seen()
			parts := strings.Split(tp, "-")
			if len(parts) != 4 || parts[1] != clientTrace || parts[2] == "00f067aa0ba902b7" {
				t.Fatalf("upstream traceparent = %q; want trace %s with the gateway's span as parent", tp, clientTrace)
			}
			// Spans are batched; shut down to flush them.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			g.g.Shutdown(ctx)
			spans := sink.all()
			var server, client *tracepb.Span
			for _, s := range spans {
				switch s.GetKind() {
				case tracepb.Span_SPAN_KIND_SERVER:
					server = s
				case tracepb.Span_SPAN_KIND_CLIENT:
					client = s
				}
			}
			if server == nil || client == nil {
				t.Fatalf("got %d spans; want a server and a client span", len(spans))
			}
			if hex.EncodeToString(server.GetTraceId()) != clientTrace || hex.EncodeToString(server.GetParentSpanId()) != "00f067aa0ba902b7" {
				t.Errorf("server span trace %x parent %x; want the client's", server.GetTraceId(), server.GetParentSpanId())
			}
			if hex.EncodeToString(client.GetSpanId()) != parts[2] || string(client.GetParentSpanId()) != string(server.GetSpanId()) {
				t.Errorf("client span %x (parent %x); want id %s, parent %x", client.GetSpanId(), client.GetParentSpanId(), parts[2], server.GetSpanId())
			}
			attrs := map[string]string{}
			for _, kv := range server.GetAttributes() {
				v := kv.GetValue()
				attrs[kv.GetKey()] = v.GetStringValue()
				if v.GetIntValue() != 0 {
					attrs[kv.GetKey()] = "int"
				}
			}
			if attrs["gatehouse.route"] != "traced-route" || attrs["gatehouse.service"] != "traced" || attrs["http.response.status_code"] != "int" {
				t.Errorf("server span attributes = %v", attrs)
			}
			lines := g.logs.lines(t)
			if len(lines) == 0 || lines[0]["trace_id"] != clientTrace {
				t.Errorf("access log trace_id = %v; want %s", lines, clientTrace)
			}
		})
	}
}

// TestTracingRatioZero: nothing is exported, but a new trace is still
// started and propagated.
func TestTracingRatioZero(t *testing.T) {
	sink, endpoint := otlpHTTPReceiver(t)
	up, seen := traceUpstream(t)
	g := startGateway(t, tracingConfig, map[string]string{"UP": up.URL, "EXPORTER": "otlp_http", "ENDPOINT": endpoint, "RATIO": "0"})
	g.do("GET", "/x", nil)
	tp := seen()
	if parts := strings.Split(tp, "-"); len(parts) != 4 || parts[3] != "00" {
		t.Fatalf("upstream traceparent = %q; want a new unsampled trace", tp)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	g.g.Shutdown(ctx)
	if n := len(sink.all()); n != 0 {
		t.Fatalf("%d spans exported with sample_ratio 0", n)
	}
}

package telemetry

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// Tracer makes the spans of each request: one server span for the
// request in the gateway and one client span for the upstream call, and
// sends the upstream the client span's traceparent.
type Tracer struct {
	provider *sdktrace.TracerProvider
	tracer   trace.Tracer
	prop     propagation.TextMapPropagator
}

// NewTracer starts the exporter of cfg; nil when tracing is off.
func NewTracer(ctx context.Context, cfg config.Tracing) (*Tracer, error) {
	var exp sdktrace.SpanExporter
	var err error
	switch cfg.Exporter {
	case "", config.TracingOff:
		return nil, nil
	case config.TracingOTLPHTTP:
		exp, err = otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(cfg.Endpoint), otlptracehttp.WithHeaders(cfg.Headers))
	case config.TracingOTLPGRPC:
		opts := []otlptracegrpc.Option{otlptracegrpc.WithEndpoint(cfg.Endpoint), otlptracegrpc.WithHeaders(cfg.Headers)}
		if cfg.Insecure {
			opts = append(opts, otlptracegrpc.WithInsecure())
		}
		exp, err = otlptracegrpc.New(ctx, opts...)
	default:
		return nil, fmt.Errorf("tracing: unknown exporter %q", cfg.Exporter)
	}
	if err != nil {
		return nil, fmt.Errorf("tracing: %w", err)
	}
	ratio := config.DefaultSampleRatio
	if cfg.SampleRatio != nil {
		ratio = *cfg.SampleRatio
	}
	name := cfg.ServiceName
	if name == "" {
		name = config.DefaultServiceName
	}
	res := resource.NewSchemaless(semconv.ServiceName(name))
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(time.Second)),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio))),
		sdktrace.WithIDGenerator(presetIDs{}),
	)
	return &Tracer{
		provider: tp,
		tracer:   tp.Tracer("github.com/gatehouse/gatehouse"),
		prop:     propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}),
	}, nil
}

// Shutdown flushes the spans not yet exported.
func (t *Tracer) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	return t.provider.Shutdown(ctx)
}

// Span is one request's tracing, ended by End.
type Span struct {
	t        *Tracer
	ctx      context.Context
	server   trace.Span
	clientID trace.SpanID
}

// Start begins the request's server span (continuing the client's trace
// when it sent a traceparent), records the trace id in st, and sets the
// traceparent the upstream will receive: that of the upstream-call span,
// whose id is chosen now and whose span is recorded at End with the
// upstream call's real start time.
func (t *Tracer) Start(r *http.Request, st *pipeline.State) pipeline.Span {
	parent := t.prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
	ctx, server := t.tracer.Start(parent, "gateway "+r.Method, trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(
			attribute.String("http.request.method", r.Method),
			attribute.String("server.address", st.Host),
			attribute.String("client.address", st.ClientIP),
			attribute.String("gatehouse.request_id", st.RequestID),
		))
	sc := server.SpanContext()
	st.TraceID = sc.TraceID().String()
	clientID := newSpanID()
	child := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: sc.TraceID(), SpanID: clientID, TraceFlags: sc.TraceFlags(), TraceState: sc.TraceState(),
	})
	delete(r.Header, "Traceparent")
	delete(r.Header, "Tracestate")
	t.prop.Inject(trace.ContextWithSpanContext(ctx, child), propagation.HeaderCarrier(r.Header))
	return &Span{t: t, ctx: ctx, server: server, clientID: clientID}
}

// End records the upstream call (when there was one) and ends the
// request's span.
func (s *Span) End(st *pipeline.State, status int) {
	attrs := []attribute.KeyValue{
		attribute.String("url.path", st.Path),
		attribute.String("gatehouse.route", st.Route),
		attribute.String("gatehouse.service", st.Service),
		attribute.Int("http.response.status_code", status),
	}
	if st.Consumer != nil {
		attrs = append(attrs, attribute.String("gatehouse.consumer", st.Consumer.Name))
	}
	if !st.UpstreamStart.IsZero() && s.server.IsRecording() {
		end := st.UpstreamStart.Add(st.UpstreamLatency)
		if st.UpstreamLatency == 0 {
			end = time.Now()
		}
		_, client := s.t.tracer.Start(withPresetID(s.ctx, s.clientID), "upstream "+st.Service,
			trace.WithSpanKind(trace.SpanKindClient), trace.WithTimestamp(st.UpstreamStart),
			trace.WithAttributes(attribute.String("gatehouse.service", st.Service), attribute.String("gatehouse.route", st.Route)))
		if st.Err != nil {
			client.SetStatus(codes.Error, st.Err.Error())
		}
		client.End(trace.WithTimestamp(end))
	}
	s.server.SetAttributes(attrs...)
	if status >= 500 {
		s.server.SetStatus(codes.Error, http.StatusText(status))
	}
	s.server.End()
}

// presetIDs generates random ids, except that a span started with a
// context from withPresetID gets the id chosen earlier: the id the
// upstream already received in its traceparent.
type presetIDs struct{}

type presetKey struct{}

func withPresetID(ctx context.Context, id trace.SpanID) context.Context {
	return context.WithValue(ctx, presetKey{}, id)
}

func (presetIDs) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	var tid trace.TraceID
	for !tid.IsValid() {
		_, _ = rand.Read(tid[:])
	}
	return tid, newSpanID()
}

func (presetIDs) NewSpanID(ctx context.Context, _ trace.TraceID) trace.SpanID {
	if id, ok := ctx.Value(presetKey{}).(trace.SpanID); ok {
		return id
	}
	return newSpanID()
}

func newSpanID() trace.SpanID {
	var id trace.SpanID
	for !id.IsValid() {
		binary.NativeEndian.PutUint64(id[:], randUint64())
	}
	return id
}

func randUint64() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.NativeEndian.Uint64(b[:])
}

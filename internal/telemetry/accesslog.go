// Package telemetry observes every finished request: the access log and
// the request metrics.
package telemetry

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// AccessLog writes one JSON line per request.
type AccessLog struct {
	logger *slog.Logger
	closer io.Closer
}

// OpenAccessLog opens the configured output: "stdout", "stderr", "off"
// (nil log), an http(s):// collector URL, or a file path (appended to,
// created 0640 if missing, rotated by size).
func OpenAccessLog(cfg config.AccessLog) (*AccessLog, error) {
	switch o := cfg.Output; {
	case o == config.AccessLogOff:
		return nil, nil
	case o == "" || o == config.AccessLogStdout:
		return NewAccessLog(os.Stdout, nil), nil
	case o == config.AccessLogStderr:
		return NewAccessLog(os.Stderr, nil), nil
	case strings.HasPrefix(o, "http://") || strings.HasPrefix(o, "https://"):
		c := newCollector(o, orInt(cfg.BatchSize, config.DefaultAccessLogBatchSize),
			orInt(cfg.QueueSize, config.DefaultAccessLogQueueSize), orDuration(cfg.FlushInterval, config.DefaultAccessLogFlushInterval))
		return NewAccessLog(c, c), nil
	default:
		f, err := openRotating(o, int64(cfg.MaxSizeMB)<<20, cfg.MaxBackups)
		if err != nil {
			return nil, err
		}
		return NewAccessLog(f, f), nil
	}
}

func orInt(v, d int) int {
	if v <= 0 {
		return d
	}
	return v
}

func orDuration(v, d config.Duration) time.Duration {
	if v <= 0 {
		return d.D()
	}
	return v.D()
}

// NewAccessLog logs to w; closer (may be nil) is closed by Close.
func NewAccessLog(w io.Writer, closer io.Closer) *AccessLog {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{ReplaceAttr: renameTime})
	return &AccessLog{logger: slog.New(h), closer: closer}
}

func renameTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		a.Key = "timestamp"
	}
	return a
}

// Log writes the line for one finished request. Latencies are in
// milliseconds. The path is the normalised path that was routed (the raw
// one when it could not be normalised); the query string is never logged,
// since it may carry credentials.
func (a *AccessLog) Log(r *http.Request, st *pipeline.State, status int, bytes int64) {
	if a == nil {
		return
	}
	path := st.Path
	if path == "" {
		path = r.URL.Path
	}
	var buf [16]slog.Attr
	attrs := append(buf[:0],
		slog.String("request_id", st.RequestID),
		slog.String("remote_addr", st.ClientIP),
		slog.String("method", r.Method),
		slog.String("host", r.Host),
		slog.String("path", path),
		slog.String("route", st.Route),
		slog.String("service", st.Service),
		slog.Int("status", status),
		slog.Float64("latency", ms(time.Since(st.Start))),
		slog.Float64("upstream_latency", ms(st.UpstreamLatency)),
		slog.Int64("bytes_sent", bytes),
	)
	if st.Consumer != nil {
		attrs = append(attrs, slog.String("consumer", st.Consumer.Name))
	}
	if st.GRPCStatus != "" {
		attrs = append(attrs, slog.String("grpc_status", st.GRPCStatus))
	}
	if st.TraceID != "" {
		attrs = append(attrs, slog.String("trace_id", st.TraceID))
	}
	if st.Err != nil { // no empty "error" field on success
		attrs = append(attrs, slog.String("error", st.Err.Error()))
	}
	a.logger.LogAttrs(context.Background(), slog.LevelInfo, "request", attrs...)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Close closes the underlying file, if any.
func (a *AccessLog) Close() error {
	if a == nil || a.closer == nil {
		return nil
	}
	return a.closer.Close()
}

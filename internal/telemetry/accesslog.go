// Package telemetry observes every finished request: the access log and
// the request metrics.
package telemetry

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// AccessLog writes one JSON line per request.
type AccessLog struct {
	logger *slog.Logger
	closer io.Closer
}

// OpenAccessLog opens output: "stdout", "stderr", "off" (nil log) or a
// file path, appended to and created 0640 if missing.
func OpenAccessLog(output string) (*AccessLog, error) {
	var w io.Writer
	var closer io.Closer
	switch output {
	case "off":
		return nil, nil
	case "", "stdout":
		w = os.Stdout
	case "stderr":
		w = os.Stderr
	default:
		f, err := os.OpenFile(output, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
		if err != nil {
			return nil, fmt.Errorf("opening access log: %w", err)
		}
		w, closer = f, f
	}
	return NewAccessLog(w, closer), nil
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
	var buf [14]slog.Attr
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

package proxy

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// errGRPCDeadline is the cause when a call's grpc-timeout runs out.
var errGRPCDeadline = errors.New("grpc-timeout reached")

// grpcCall is what forward keeps of a gRPC (or gRPC-Web) call: its
// deadline and, for gRPC-Web, the translating writer.
type grpcCall struct {
	ctx    context.Context
	cancel context.CancelFunc
	web    *grpcWebWriter
}

// startGRPC readies a gRPC call's outgoing request: gRPC-Web is
// translated when the route asks for it, and the client's grpc-timeout
// bounds the whole upstream call, body included (Envoy's
// max_stream_duration.grpc_timeout_header_max without a cap). gRPC
// streams are long-lived: the listener's read and write deadlines, made
// for one request and one response, are lifted.
func (rt *Route) startGRPC(w http.ResponseWriter, in, out *http.Request) (http.ResponseWriter, *http.Request, *grpcCall) {
	call := &grpcCall{cancel: func() {}}
	if rt.GRPCWeb && isGRPCWeb(in.Header) {
		call.web = translateGRPCWebRequest(w, in, out)
		w = call.web
	}
	if d, ok := parseGRPCTimeout(in.Header["Grpc-Timeout"]); ok {
		ctx, cancel := context.WithTimeoutCause(out.Context(), d, errGRPCDeadline)
		call.ctx, call.cancel = ctx, cancel
		out = out.WithContext(ctx)
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	return w, out, call
}

// expired says the call's deadline cut it.
func (c *grpcCall) expired() bool {
	return c.ctx != nil && context.Cause(c.ctx) == errGRPCDeadline
}

// finish records the call's status for the access log and metrics, and
// ends a gRPC-Web response with its trailer frame. dst is the client's
// header, with the service's trailers already under http.TrailerPrefix.
func (c *grpcCall) finish(dst http.Header, st *pipeline.State) {
	if v := dst[http.TrailerPrefix+"Grpc-Status"]; len(v) > 0 {
		st.GRPCStatus = v[0]
	} else if v := dst["Grpc-Status"]; len(v) > 0 {
		st.GRPCStatus = v[0]
	}
	if c.web != nil {
		c.web.finish()
	}
}

// deadlineTrailers ends a call its deadline cut after the response
// started as gRPC does: DEADLINE_EXCEEDED in the trailers.
func (c *grpcCall) deadlineTrailers(w http.ResponseWriter, st *pipeline.State) {
	h := w.Header()
	h[http.TrailerPrefix+"Grpc-Status"] = []string{strconv.Itoa(pipeline.GRPCDeadlineExceeded)}
	h[http.TrailerPrefix+"Grpc-Message"] = []string{"deadline exceeded at the gateway"}
	st.Err = pipeline.Wrap(http.StatusGatewayTimeout, "upstream timed out", errGRPCDeadline)
	c.finish(h, st)
}

// parseGRPCTimeout reads grpc-timeout: at most 8 digits and a unit
// (H, M, S, m, u, n). A malformed value is ignored, as grpc-go does.
func parseGRPCTimeout(v []string) (time.Duration, bool) {
	if len(v) == 0 {
		return 0, false
	}
	s := v[0]
	if len(s) < 2 || len(s) > 9 {
		return 0, false
	}
	var n int64
	for _, c := range []byte(s[:len(s)-1]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	var unit time.Duration
	switch s[len(s)-1] {
	case 'H':
		unit = time.Hour
	case 'M':
		unit = time.Minute
	case 'S':
		unit = time.Second
	case 'm':
		unit = time.Millisecond
	case 'u':
		unit = time.Microsecond
	case 'n':
		unit = time.Nanosecond
	default:
		return 0, false
	}
	if n > int64(math.MaxInt64/unit) {
		// 99999999H is past what a Duration holds: as good as no bound.
		return 0, false
	}
	return time.Duration(n) * unit, true
}

// isGRPCResponse says a service's answer is a gRPC stream, which has no
// natural end.
func isGRPCResponse(res *http.Response) bool {
	v := res.Header["Content-Type"]
	return len(v) > 0 && strings.HasPrefix(v[0], "application/grpc")
}

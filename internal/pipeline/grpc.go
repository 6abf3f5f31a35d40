package pipeline

import (
	"net/http"
	"strconv"
	"strings"
)

// gRPC status codes (google.golang.org/grpc/codes), as the numbers sent in
// grpc-status.
const (
	GRPCOK                 = 0
	GRPCCanceled           = 1
	GRPCUnknown            = 2
	GRPCInvalidArgument    = 3
	GRPCDeadlineExceeded   = 4
	GRPCNotFound           = 5
	GRPCPermissionDenied   = 7
	GRPCResourceExhausted  = 8
	GRPCFailedPrecondition = 9
	GRPCUnimplemented      = 12
	GRPCInternal           = 13
	GRPCUnavailable        = 14
	GRPCUnauthenticated    = 16
)

var grpcNames = [...]string{"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
	"NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
	"ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"}

// GRPCCodeName is the name of a grpc-status value, "UNKNOWN" for anything
// that is not one of the 17 codes (so a metric label stays bounded).
func GRPCCodeName(status string) string {
	n, err := strconv.Atoi(status)
	if err != nil || n < 0 || n >= len(grpcNames) {
		return "UNKNOWN"
	}
	return grpcNames[n]
}

// IsGRPC says r is a gRPC or gRPC-Web call: its content type is
// application/grpc or application/grpc-web, with or without a +codec
// suffix or parameters.
func IsGRPC(r *http.Request) bool {
	return isGRPCType(contentType(r.Header))
}

func contentType(h http.Header) string {
	if v := h["Content-Type"]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func isGRPCType(ct string) bool {
	const g = "application/grpc"
	if len(ct) < len(g) || !strings.EqualFold(ct[:len(g)], g) {
		return false
	}
	rest := ct[len(g):]
	return rest == "" || rest[0] == '+' || rest[0] == ';' || rest[0] == '-'
}

// GRPCCode maps the HTTP status of an answer the gateway makes itself to
// the gRPC status a gRPC client gets instead, as Envoy maps its local
// replies: the HTTP-to-gRPC table of the gRPC spec, with 429 as
// RESOURCE_EXHAUSTED (a limit, not an outage) and 504 as
// DEADLINE_EXCEEDED.
func GRPCCode(status int) int {
	switch status {
	case http.StatusBadRequest:
		return GRPCInternal
	case http.StatusUnauthorized:
		return GRPCUnauthenticated
	case http.StatusForbidden:
		return GRPCPermissionDenied
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusNotImplemented:
		return GRPCUnimplemented
	case http.StatusRequestTimeout, http.StatusGatewayTimeout:
		return GRPCDeadlineExceeded
	case http.StatusRequestEntityTooLarge, http.StatusTooManyRequests:
		return GRPCResourceExhausted
	case http.StatusBadGateway, http.StatusServiceUnavailable:
		return GRPCUnavailable
	case 499:
		return GRPCCanceled
	}
	if status >= 500 {
		return GRPCInternal
	}
	return GRPCUnknown
}

// writeGRPCError answers a gRPC call with a trailers-only response: HTTP
// 200, the call's content type, and grpc-status and grpc-message in the
// one header block, which gRPC and gRPC-Web clients both read as the
// call's status. Retry-After and other headers of the error stay.
func writeGRPCError(w http.ResponseWriter, r *http.Request, pe *Error, requestID string) {
	h := w.Header()
	for k, vs := range pe.Header {
		h[k] = vs
	}
	h.Del("Content-Length")
	h["Content-Type"] = []string{contentType(r.Header)}
	code := GRPCCode(pe.Status)
	h["Grpc-Status"] = []string{strconv.Itoa(code)}
	h["Grpc-Message"] = []string{grpcMessage(pe.Msg)}
	if requestID != "" {
		h["X-Request-Id"] = []string{requestID}
	}
	if st := FromRequest(r); st != nil {
		st.GRPCStatus = h["Grpc-Status"][0]
	}
	w.WriteHeader(http.StatusOK)
}

// grpcMessage percent-encodes a message as grpc-message wants: bytes
// outside printable ASCII, and '%', as %XX.
func grpcMessage(s string) string {
	const hex = "0123456789ABCDEF"
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c <= 0x7e && c != '%' {
			if b != nil {
				b = append(b, c)
			}
			continue
		}
		if b == nil {
			b = append(make([]byte, 0, len(s)+8), s[:i]...)
		}
		b = append(b, '%', hex[c>>4], hex[c&0xf])
	}
	if b == nil {
		return s
	}
	return string(b)
}

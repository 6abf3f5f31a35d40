package pipeline

import (
	"net/http"
	"strconv"
	"sync"
	"unicode/utf8"
)

// WriteError is the one responder: every error a client sees from the
// gateway itself is {"error": "...", "status": N, "request_id": "..."}.
// It records the error on the request state for the access log. gRPC and
// gRPC-Web calls get the matching gRPC status instead (grpc.go).
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	pe := AsError(err)
	st := FromRequest(r)
	requestID := ""
	if st != nil {
		st.Err = pe
		requestID = st.RequestID
	}
	// A gRPC client reads a status, not a body: the same error, as a
	// trailers-only answer.
	if IsGRPC(r) {
		writeGRPCError(w, r, pe, requestID)
		return
	}
	h := w.Header()
	for k, vs := range pe.Header {
		h[k] = vs
	}
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Del("Content-Length")
	buf := errBufPool.Get().(*[]byte)
	b := AppendErrorJSON((*buf)[:0], pe.Status, pe.Msg, requestID)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(pe.Status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
	*buf = b
	errBufPool.Put(buf)
}

var errBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// AppendErrorJSON appends the error body, with a trailing newline.
func AppendErrorJSON(b []byte, status int, msg, requestID string) []byte {
	b = append(b, `{"error":`...)
	b = appendJSONString(b, msg)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, `,"request_id":`...)
	b = appendJSONString(b, requestID)
	return append(b, "}\n"...)
}

// appendJSONString writes s as a JSON string, escaping what JSON requires
// and <, >, & so the body is safe if a browser renders it.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

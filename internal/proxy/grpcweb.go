package proxy

import (
	"encoding/base64"
	"encoding/binary"
	"io"
	"net/http"
	"sort"
	"strings"
)

// gRPC-Web (github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md) is gRPC
// with the trailers moved into the body, as a last frame flagged 0x80, so
// browsers can read them; the -text variant is the same bytes in base64.
// The gateway translates both ways, as Envoy's grpc_web filter does: the
// service sees plain gRPC.

// isGRPCWeb says a request's content type is a gRPC-Web one.
func isGRPCWeb(h http.Header) bool {
	v := h["Content-Type"]
	return len(v) > 0 && len(v[0]) >= len("application/grpc-web") &&
		strings.EqualFold(v[0][:len("application/grpc-web")], "application/grpc-web")
}

// grpcWebWriter turns the service's gRPC response into gRPC-Web for the
// client.
type grpcWebWriter struct {
	http.ResponseWriter
	text bool
	// contentType is the client's own gRPC-Web type, answered in kind.
	contentType string
	wrote       bool
	// trailersOnly: the status came in the header block, so there is no
	// trailer frame to write.
	trailersOnly bool
	// pending holds up to 2 bytes of -text output not yet encoded, so
	// base64 quanta are never split.
	pending []byte
}

// translateGRPCWebRequest rewrites out as the gRPC request the service
// gets and returns the writer that translates the answer.
func translateGRPCWebRequest(w http.ResponseWriter, in, out *http.Request) *grpcWebWriter {
	ct := strings.ToLower(in.Header["Content-Type"][0])
	text := strings.HasPrefix(ct, "application/grpc-web-text")
	codec := ct[len("application/grpc-web"):]
	if text {
		codec = ct[len("application/grpc-web-text"):]
	}
	if i := strings.IndexByte(codec, ';'); i >= 0 {
		codec = codec[:i]
	}
	out.Header["Content-Type"] = []string{"application/grpc" + codec}
	out.Header["Te"] = []string{"trailers"}
	delete(out.Header, "X-Grpc-Web")
	if text {
		delete(out.Header, "Content-Length")
		out.ContentLength = -1
		// Decoded inside the client's body, so bad base64 is the client's
		// fault (400, INTERNAL to a gRPC-Web client), not the service's.
		if cb, ok := out.Body.(*clientBody); ok {
			cb.r = &base64Body{src: cb.r}
		} else if out.Body != nil {
			out.Body = io.NopCloser(&base64Body{src: out.Body})
		}
	}
	return &grpcWebWriter{ResponseWriter: w, text: text, contentType: in.Header["Content-Type"][0]}
}

func (w *grpcWebWriter) WriteHeader(code int) {
	if w.wrote {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.wrote = true
	h := w.Header()
	if v := h["Content-Type"]; len(v) > 0 && strings.HasPrefix(v[0], "application/grpc") {
		h["Content-Type"] = []string{w.contentType}
	}
	w.trailersOnly = len(h["Grpc-Status"]) > 0
	delete(h, "Trailer")
	delete(h, "Content-Length")
	w.ResponseWriter.WriteHeader(code)
}

func (w *grpcWebWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if !w.text {
		return w.ResponseWriter.Write(p)
	}
	n := len(p)
	buf := append(w.pending, p...)
	whole := len(buf) - len(buf)%3
	if whole > 0 {
		enc := make([]byte, base64.StdEncoding.EncodedLen(whole))
		base64.StdEncoding.Encode(enc, buf[:whole])
		if _, err := w.ResponseWriter.Write(enc); err != nil {
			return 0, err
		}
	}
	w.pending = append(w.pending[:0], buf[whole:]...)
	return n, nil
}

// Flush sends what is held, padded: gRPC-Web clients take a -text body
// as concatenated padded base64 chunks.
func (w *grpcWebWriter) Flush() {
	w.flushPending()
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *grpcWebWriter) flushPending() {
	if len(w.pending) == 0 {
		return
	}
	enc := make([]byte, base64.StdEncoding.EncodedLen(len(w.pending)))
	base64.StdEncoding.Encode(enc, w.pending)
	w.pending = w.pending[:0]
	_, _ = w.ResponseWriter.Write(enc)
}

func (w *grpcWebWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// finish writes the service's trailers as the trailer frame, and takes
// them off the HTTP response (a browser could not read them there).
func (w *grpcWebWriter) finish() {
	if !w.wrote || w.trailersOnly {
		return
	}
	h := w.Header()
	var keys []string
	for k := range h {
		if strings.HasPrefix(k, http.TrailerPrefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var block []byte
	for _, k := range keys {
		name := strings.ToLower(k[len(http.TrailerPrefix):])
		for _, v := range h[k] {
			block = append(block, name...)
			block = append(block, ": "...)
			block = append(block, v...)
			block = append(block, "\r\n"...)
		}
		delete(h, k)
	}
	frame := make([]byte, 5, 5+len(block))
	frame[0] = 0x80
	binary.BigEndian.PutUint32(frame[1:], uint32(len(block)))
	_, _ = w.Write(append(frame, block...))
	w.Flush()
}

// base64Body decodes a -text request body. Each 4-byte quantum is decoded
// alone, so padded chunks sent one after another decode too.
type base64Body struct {
	src  io.Reader
	in   [4]byte
	nin  int
	out  []byte
	done bool
}

func (b *base64Body) Read(p []byte) (int, error) {
	for len(b.out) == 0 {
		if b.done {
			return 0, io.EOF
		}
		var raw [4096]byte
		n, err := b.src.Read(raw[:])
		for _, c := range raw[:n] {
			if c == '\r' || c == '\n' || c == ' ' || c == '\t' {
				continue
			}
			b.in[b.nin] = c
			b.nin++
			if b.nin == 4 {
				var dec [3]byte
				m, derr := base64.StdEncoding.Decode(dec[:], b.in[:])
				if derr != nil {
					return 0, derr
				}
				b.out = append(b.out, dec[:m]...)
				b.nin = 0
			}
		}
		if err == io.EOF {
			if b.nin != 0 {
				return 0, io.ErrUnexpectedEOF
			}
			b.done = true
		} else if err != nil {
			return 0, err
		}
	}
	n := copy(p, b.out)
	b.out = b.out[n:]
	return n, nil
}

package proxy

import (
	"bufio"
	"fmt"
	"golang.org/x/net/http/httpguts"
	"io"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
)

// writeRequest puts req on the wire as HTTP/1.1, as req.Write would, in
// one pass over the header map: no sorted copy of the keys, no value
// rewriting unless a value needs it, and no per-request transfer state.
// The order of header fields with different names carries no meaning
// (RFC 9110, 5.3), so map order is fine; values of one name keep their
// order. Rare shapes (trailers, a body of unknown emptiness, an opaque
// URL, an IPv6 zone in the host) go through req.Write.
func writeRequest(bw *bufio.Writer, req *http.Request) error {
	hasBody := req.Body != nil && req.Body != http.NoBody
	if len(req.Trailer) > 0 || len(req.TransferEncoding) > 0 || req.URL.Opaque != "" ||
		strings.IndexByte(req.Host, '%') >= 0 || strings.IndexByte(req.URL.Host, '%') >= 0 ||
		(hasBody && req.ContentLength == 0) || (!hasBody && req.ContentLength != 0) {
		return writeWithNetHTTP(bw, req)
	}
	if hasBody {
		// Closed on every return, as RoundTrip must close what it was given.
		defer req.Body.Close()
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	if !httpguts.ValidHostHeader(host) || host == "" {
		return fmt.Errorf("http: invalid Host header %q", host)
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	bw.WriteString(method)
	bw.WriteByte(' ')
	if p := req.URL.EscapedPath(); p != "" {
		bw.WriteString(p)
	} else {
		bw.WriteByte('/')
	}
	if req.URL.ForceQuery || req.URL.RawQuery != "" {
		bw.WriteByte('?')
		bw.WriteString(req.URL.RawQuery)
	}
	bw.WriteString(" HTTP/1.1\r\nHost: ")
	bw.WriteString(host)
	bw.WriteString("\r\n")
	// User-Agent only when set and not empty: the proxy passes on the
	// client's and never adds Go's default.
	if ua := req.Header["User-Agent"]; len(ua) > 0 && ua[0] != "" {
		writeField(bw, "User-Agent", ua[0])
	}
	for k, vs := range req.Header {
		switch k {
		case "Host", "User-Agent", "Content-Length", "Transfer-Encoding", "Trailer":
			continue
		case "Connection":
			if req.Close {
				continue // written once, below
			}
		}
		if !httpguts.ValidHeaderFieldName(k) {
			return fmt.Errorf("http: invalid header field name %q", k)
		}
		for _, v := range vs {
			writeField(bw, k, v)
		}
	}
	if req.Close {
		bw.WriteString("Connection: close\r\n")
	}
	chunked := false
	switch {
	case req.ContentLength > 0:
		bw.WriteString("Content-Length: ")
		bw.Write(strconv.AppendInt(bw.AvailableBuffer(), req.ContentLength, 10))
		bw.WriteString("\r\n")
	case req.ContentLength < 0:
		chunked = true
		bw.WriteString("Transfer-Encoding: chunked\r\n")
	case method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch:
		// Many servers want a length on these methods even when it is 0.
		bw.WriteString("Content-Length: 0\r\n")
	}
	bw.WriteString("\r\n")
	if !hasBody {
		return nil
	}
	// The head goes out before the body is read, so the service can see
	// the request (and answer early) while the client is still sending.
	if err := bw.Flush(); err != nil {
		return err
	}
	if chunked {
		if _, err := io.Copy(chunkWriter{bw}, bodyReader{req.Body}); err != nil {
			return err
		}
		_, err := bw.WriteString("0\r\n\r\n")
		return err
	}
	n, err := io.Copy(bw, io.LimitReader(bodyReader{req.Body}, req.ContentLength))
	if err != nil {
		return err
	}
	if n == req.ContentLength {
		var one [1]byte
		if m, _ := req.Body.Read(one[:]); m > 0 {
			n++ // longer than announced: refuse rather than cut it silently
		}
	}
	if n != req.ContentLength {
		return fmt.Errorf("http: ContentLength=%d with Body length %d", req.ContentLength, n)
	}
	return nil
}

// writeWithNetHTTP is req.Write, with a failure to read the body told
// apart as below: net/http wraps it in a type of its own that cannot be
// unwrapped.
func writeWithNetHTTP(bw *bufio.Writer, req *http.Request) error {
	if req.Body == nil || req.Body == http.NoBody {
		return req.Write(bw)
	}
	orig := req.Body
	watched := &watchedBody{ReadCloser: orig}
	req.Body = watched
	err := req.Write(bw)
	req.Body = orig
	if err != nil && watched.err != nil {
		return bodyReadError{watched.err}
	}
	return err
}

// watchedBody remembers the first error reading a body.
type watchedBody struct {
	io.ReadCloser
	err error
}

func (w *watchedBody) Read(p []byte) (int, error) {
	n, err := w.ReadCloser.Read(p)
	if err != nil && err != io.EOF && w.err == nil {
		w.err = err
	}
	return n, err
}

// bodyReadError is a failure to read the body being sent (the client's
// side), told apart from a failure to write it to the service.
type bodyReadError struct{ err error }

func (e bodyReadError) Error() string { return e.err.Error() }
func (e bodyReadError) Unwrap() error { return e.err }

// bodyReader marks the errors of the body it reads as bodyReadError.
type bodyReader struct{ r io.Reader }

func (b bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		err = bodyReadError{err}
	}
	return n, err
}

// chunkWriter frames each write as one chunk and sends it on at once, so
// a streamed upload is not held back in the connection's buffer.
type chunkWriter struct{ bw *bufio.Writer }

func (w chunkWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil // a zero-length chunk would end the body
	}
	w.bw.Write(strconv.AppendInt(w.bw.AvailableBuffer(), int64(len(p)), 16))
	w.bw.WriteString("\r\n")
	w.bw.Write(p)
	w.bw.WriteString("\r\n")
	return len(p), w.bw.Flush()
}

// writeField writes "k: v\r\n" with v trimmed and any CR or LF in it
// turned into a space, as net/http does, so a value can never end the
// field early.
func writeField(bw *bufio.Writer, k, v string) {
	bw.WriteString(k)
	bw.WriteString(": ")
	v = textproto.TrimString(v)
	start := 0
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == '\r' || c == '\n' {
			bw.WriteString(v[start:i])
			bw.WriteByte(' ')
			start = i + 1
		}
	}
	bw.WriteString(v[start:])
	bw.WriteString("\r\n")
}

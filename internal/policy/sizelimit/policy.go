package sizelimit

import (
	"io"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// Policy is the built request_size_limit policy.
type Policy struct {
	max           int64
	requireLength bool
}

// Handle answers 413 when the declared length is over the limit, and
// counts a body of unknown length as the proxy reads it. Passing the
// limit fails the read with *http.MaxBytesError, which the proxy
// answers with 413 (and aborts the upstream request, so the service
// never sees the body complete).
func (p *Policy) Handle(w http.ResponseWriter, r *http.Request, next pipeline.Handler) error {
	if r.Body == nil || r.Body == http.NoBody {
		return next(w, r)
	}
	switch {
	case r.ContentLength > p.max && p.max > 0:
		return errTooLarge
	case r.ContentLength >= 0:
		// net/http reads exactly Content-Length bytes: nothing to count.
	case p.requireLength:
		return errLengthMissing
	case p.max > 0:
		r.Body = &limited{rc: r.Body, left: p.max, max: p.max}
	}
	return next(w, r)
}

// limited is http.MaxBytesReader without its effect on the connection
// (net/http closes the connection after a too large body in any case).
type limited struct {
	rc        io.ReadCloser
	left, max int64
	err       error
}

func (l *limited) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	// Read one byte more than allowed, to tell "exactly at the limit"
	// from "over it".
	if int64(len(p))-1 > l.left {
		p = p[:l.left+1]
	}
	n, err := l.rc.Read(p)
	if int64(n) <= l.left {
		l.left -= int64(n)
		l.err = err
		return n, err
	}
	n = int(l.left)
	l.left = 0
	l.err = &http.MaxBytesError{Limit: l.max}
	return n, l.err
}

func (l *limited) Close() error { return l.rc.Close() }

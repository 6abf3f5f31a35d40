package proxy

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// clientBody is the client's request body as the proxy sends it. It
// remembers the first error reading it, so a failed try can be told
// apart: the client's fault (a malformed chunk, a body cut short, a body
// that stalled past the read timeout) or the service's. Only the latter
// counts against the service.
type clientBody struct {
	r io.Reader

	mu  sync.Mutex // the transport may read on its own goroutine
	err error
}

func (b *clientBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		b.mu.Lock()
		if b.err == nil {
			b.err = err
		}
		b.mu.Unlock()
	}
	return n, err
}

// Close leaves the client's body to net/http, which closes it after the
// handler: closing it early could block on a body not yet received.
func (b *clientBody) Close() error { return nil }

// fault is the error reading the client's body, nil if none.
func (b *clientBody) fault() error {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// clientFault is the answer to a request that failed on the client's
// side. net/http cancels the request's context when reading its body
// fails, so without this the request would look like a client that went
// away, and the client would get an empty 200 from net/http.
func clientFault(err error) *pipeline.Error {
	var ne net.Error
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return pipeline.Wrap(http.StatusRequestEntityTooLarge, "request body too large", err)
	case errors.As(err, &ne) && ne.Timeout():
		return pipeline.Wrap(http.StatusRequestTimeout, "request body not received in time", err)
	case errors.Is(err, context.Canceled):
		return pipeline.Wrap(StatusClientClosed, "client closed the request", err)
	}
	return pipeline.Wrap(http.StatusBadRequest, "malformed or incomplete request body", err)
}

package proxy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"

	"github.com/gatehouse/gatehouse/internal/upstream"
)

// tryEnd is what a successful try still holds: its target's in-flight
// count and its timers' context.
type tryEnd struct {
	target *upstream.Target
	cancel context.CancelCauseFunc
}

func (e tryEnd) done() {
	if e.target != nil {
		e.target.End()
	}
	if e.cancel != nil {
		e.cancel(nil)
	}
}

// finishRequest releases what a whole proxied request holds on its
// service: its bulkhead slot, its place in the retry budget and its
// overall timer's context.
func finishRequest(u *upstream.Upstream, cancel context.CancelCauseFunc) {
	if cancel != nil {
		cancel(nil)
	}
	u.Budget.Done()
	u.Bulkhead.Release()
}

// exchangeBody is the response body handed to the reverse proxy. It keeps
// the target's in-flight count (which least_requests and bounded-load
// hashing read) and the request's bulkhead slot until the body is closed,
// so a long download counts as load. One allocation per request.
type exchangeBody struct {
	io.ReadCloser
	try    tryEnd
	up     *upstream.Upstream
	cancel context.CancelCauseFunc
	once   atomic.Bool
}

func (b *exchangeBody) Close() error {
	err := b.ReadCloser.Close()
	if !b.once.Swap(true) {
		b.try.done()
		finishRequest(b.up, b.cancel)
	}
	return err
}

// bufferBody keeps a request body of at most limit bytes in memory so
// retries can send it again. A larger body is left streaming (what was
// read is put back in front) and replay is false.
func bufferBody(req *http.Request, limit int64) (body []byte, replay bool, err error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, true, nil
	}
	if req.ContentLength > limit {
		return nil, false, nil
	}
	orig := req.Body
	buf, err := io.ReadAll(io.LimitReader(orig, limit+1))
	if err != nil {
		return nil, false, fmt.Errorf("reading request body: %w", err)
	}
	if int64(len(buf)) > limit {
		req.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(buf), orig), orig}
		return nil, false, nil
	}
	req.Body = newReplayBody(buf)
	req.GetBody = func() (io.ReadCloser, error) { return newReplayBody(buf), nil }
	return buf, true, nil
}

func newReplayBody(b []byte) io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }

// discard drops a response that will be retried, reading a little of it
// so a short body does not cost the connection.
func discard(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
	resp.Body.Close()
}

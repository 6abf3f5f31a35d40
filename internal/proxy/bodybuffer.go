package proxy

import (
	"bytes"
	"io"
	"net/http"
)

// keepBody reads the request body into memory before the first try when
// the route may retry (so a retry can send it again) or buffers requests
// (so a slow upload is received before a connection to the service is
// taken, as nginx does). It returns the body when all of it was kept. A
// body over the limit, or one that does not fit in the gateway's body
// memory, streams: what was read goes first, then the rest.
func (rt *Route) keepBody(req *http.Request, ex *exchange) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	var limit int64
	if p := rt.Resilience.Retry; p != nil && p.Attempts > 1 {
		limit = p.ReplayLimit
	}
	limit = max(limit, rt.BufferBody)
	if limit <= 0 || req.ContentLength > limit {
		return nil, nil
	}
	want := limit
	if req.ContentLength >= 0 {
		want = req.ContentLength
	}
	if !ex.mem.take(want) {
		return nil, nil
	}
	ex.held = want
	body, complete, err := readUpTo(req, limit)
	if err != nil {
		return nil, clientError{clientFault(err)}
	}
	// Keep the reservation at what is held.
	if n := int64(len(body)); n < ex.held {
		ex.mem.give(ex.held - n)
		ex.held = n
	}
	if !complete {
		return nil, nil
	}
	return body, nil
}

// readUpTo reads at most limit bytes of req's body. When the body is
// longer, req.Body becomes what was read followed by the rest, and
// complete is false; otherwise req.Body (and GetBody, so the transport
// can resend on a stale connection) replays the bytes.
func readUpTo(req *http.Request, limit int64) (body []byte, complete bool, err error) {
	orig := req.Body
	size := limit + 1
	if req.ContentLength >= 0 {
		size = req.ContentLength + 1
	}
	buf := bytes.NewBuffer(make([]byte, 0, min(size, 64<<10)))
	if _, err := buf.ReadFrom(io.LimitReader(orig, limit+1)); err != nil {
		return nil, false, err
	}
	b := buf.Bytes()
	if int64(len(b)) > limit {
		req.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(b), orig), orig}
		return b, false, nil
	}
	req.Body = newReplayBody(b)
	req.GetBody = func() (io.ReadCloser, error) { return newReplayBody(b), nil }
	req.ContentLength = int64(len(b))
	return b, true, nil
}

func newReplayBody(b []byte) io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }

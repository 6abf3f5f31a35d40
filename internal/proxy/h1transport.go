package proxy

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"runtime"
	"strings"
	"sync"
	"time"
)

// h1Transport is a lean HTTP/1.1 client for plain-http targets: the
// request is written and the response headers read on the calling
// goroutine. http.Transport runs two goroutines per connection and hands
// every request between them; on a proxy's hot path that hand-off is a
// large share of the CPU. Anything this transport does not handle (https,
// protocol upgrades) goes to http.Transport.
//
// Connection reuse follows http.Transport's rules and is stricter where
// those rest on its reader goroutine: a connection goes back to the pool
// only when the request was written whole, the response was read to its
// exact end with nothing buffered past it, and neither side asked to
// close; it is checked again when taken (h1Conn.reusable), so bytes the
// service sent while it sat idle, or its close, are never read as the
// next request's answer.
type h1Transport struct {
	fallback *http.Transport
	dialer   net.Dialer
	response time.Duration // response-header timeout
	idleFor  time.Duration
	maxIdle  int
	maxConns int
	maxHead  int64

	mu     sync.Mutex
	hosts  map[string]*hostPool
	reaper *time.Timer
	closed bool
}

func newH1Transport(o TransportOptions, fallback *http.Transport) *h1Transport {
	return &h1Transport{
		fallback: fallback,
		dialer:   net.Dialer{Timeout: o.Connect, KeepAlive: 30 * time.Second},
		response: o.Response,
		idleFor:  o.Idle,
		maxIdle:  max(o.MaxIdle, 1),
		maxConns: o.MaxConns,
		maxHead:  o.maxHead(),
		hosts:    map[string]*hostPool{},
	}
}

// Close closes the idle connections and pools no more: the transport's
// last user is gone.
func (t *h1Transport) Close() {
	t.mu.Lock()
	t.closed = true
	if t.reaper != nil {
		t.reaper.Stop()
		t.reaper = nil
	}
	t.mu.Unlock()
	t.CloseIdleConnections()
}

func (t *h1Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" || len(req.Header["Upgrade"]) > 0 || req.Method == http.MethodConnect {
		return t.fallback.RoundTrip(req)
	}
	for attempt := 0; ; attempt++ {
		c, reused, err := t.conn(req.Context(), req.URL.Host)
		if err != nil {
			return nil, err
		}
		if trace := httptrace.ContextClientTrace(req.Context()); trace != nil && trace.GotConn != nil {
			trace.GotConn(httptrace.GotConnInfo{Conn: c.nc, Reused: reused})
		}
		resp, err := t.exchange(c, req)
		if err == nil {
			return resp, nil
		}
		t.drop(c)
		// A pooled connection the service closed just as it was taken
		// fails before any response byte: send the request again on a new
		// one, under http.Transport's rule (nothing written, or a request
		// that is safe to repeat and whose body can be had again).
		if attempt > 0 || !reused || req.Context().Err() != nil || !staleConnError(err) {
			return nil, err
		}
		if req, err = rewound(req, c.written == 0); err != nil {
			return nil, err
		}
	}
}

// rewound is req ready to be sent again, or an error when it cannot be.
func rewound(req *http.Request, nothingWritten bool) (*http.Request, error) {
	if !nothingWritten && !replayableMethod(req) {
		return nil, errNotReplayable
	}
	if req.Body == nil || req.Body == http.NoBody {
		return req, nil
	}
	if req.GetBody == nil {
		return nil, errNotReplayable
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	again := *req
	again.Body = body
	return &again, nil
}

var errNotReplayable = errors.New("upstream closed a pooled connection and the request cannot be sent again")

// replayableMethod: the methods http.Transport sends again after a pooled
// connection failed mid-exchange (RFC 9110 9.2.2 idempotent ones, or any
// with an Idempotency-Key).
func replayableMethod(req *http.Request) bool {
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return len(req.Header["Idempotency-Key"]) > 0 || len(req.Header["X-Idempotency-Key"]) > 0
}

func staleConnError(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false
	}
	var be bodyReadError
	if errors.As(err, &be) {
		return false
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "broken pipe")
}

// exchange writes req on c and reads the response headers.
func (t *h1Transport) exchange(c *h1Conn, req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	c.written = 0
	// A cancelled request (client gone, per-try timeout) unblocks any read
	// or write on the connection at once.
	stop := context.AfterFunc(ctx, c.abort)
	if err := writeRequest(c.bw, req); err != nil {
		if resp := t.earlyAnswer(ctx, c, req, err); resp != nil {
			resp.Body = &h1Body{rc: resp.Body, c: c, t: t, stop: stop}
			return resp, nil
		}
		stop()
		return nil, ctxErr(ctx, err)
	}
	if err := c.bw.Flush(); err != nil {
		stop()
		return nil, ctxErr(ctx, err)
	}
	if t.response > 0 {
		if err := readDeadline(ctx, c.nc, time.Now().Add(t.response)); err != nil {
			stop()
			return nil, err
		}
	}
	// Yield before the first read. The service cannot have answered a
	// request flushed a moment ago, so reading now would fail with EAGAIN
	// and park this goroutine on the poller, to be woken and scheduled
	// again when the answer comes. On a busy gateway the other requests'
	// work runs first and the read then finds the answer already there;
	// on an idle one Gosched returns at once.
	// The answer time sizes the rest before reuse (settle), for the
	// requests that will rest whatever the answer; plain GETs skip the
	// clock.
	var sent time.Time
	if req.Method == http.MethodHead || req.Body != nil && req.Body != http.NoBody {
		sent = time.Now()
	}
	runtime.Gosched()
	resp, err := t.readHead(c, req)
	if err != nil {
		stop()
		return nil, ctxErr(ctx, err)
	}
	// The deadline bounds the wait for the head only. A body already in
	// the buffer needs no further read from the connection, so the
	// deadline may stay; the next exchange sets its own before reading.
	if t.response > 0 && !bodyBuffered(resp, c) {
		if err := readDeadline(ctx, c.nc, time.Time{}); err != nil {
			stop()
			resp.Body.Close()
			return nil, err
		}
	}
	keep := !resp.Close && !req.Close && resp.ProtoAtLeast(1, 1)
	settle := mustSettle(req, resp)
	c.answeredIn = 0
	if settle && !sent.IsZero() {
		c.answeredIn = time.Since(sent)
	}
	resp.Body = &h1Body{rc: resp.Body, c: c, t: t, keep: keep, settle: settle, stop: stop}
	return resp, nil
}

// mustSettle says the connection rests before it is pooled (settle):
// after a request with a body, which a service may have left unread and
// parse as its next request, and after an answer that has no body by
// rule (to HEAD, 204, 304), where a broken service tends to send one
// anyway. Bytes that come then are seen before the connection is reused.
func mustSettle(req *http.Request, resp *http.Response) bool {
	return req.Body != nil && req.Body != http.NoBody || req.Method == http.MethodHead ||
		resp.StatusCode == http.StatusNoContent || resp.StatusCode == http.StatusNotModified
}

// bodyBuffered says the whole body of resp is already read off the wire.
func bodyBuffered(resp *http.Response, c *h1Conn) bool {
	return resp.Body == http.NoBody || resp.ContentLength >= 0 && int64(c.br.Buffered()) >= resp.ContentLength
}

// earlyAnswer reads the response a service sent before it stopped taking
// the request body (a 413 or 401 for an upload it will not read, then a
// close), so the client gets that answer rather than a 502, as with
// http.Transport. It returns nil when the write failed for another reason
// (the client's body, a cancelled request) or no response is there. The
// connection is never reused after it.
func (t *h1Transport) earlyAnswer(ctx context.Context, c *h1Conn, req *http.Request, err error) *http.Response {
	var be bodyReadError
	if ctx.Err() != nil || errors.As(err, &be) || req.Body == nil || req.Body == http.NoBody {
		return nil
	}
	// The service closed or reset the connection: whatever it answered
	// is already here, so a short bound is enough.
	if readDeadline(ctx, c.nc, time.Now().Add(earlyAnswerWait)) != nil {
		return nil
	}
	resp, rerr := t.readHead(c, req)
	if rerr != nil {
		return nil
	}
	if readDeadline(ctx, c.nc, time.Time{}) != nil {
		resp.Body.Close()
		return nil
	}
	resp.Close = true
	return resp
}

const earlyAnswerWait = time.Second

// max1xx is how many informational responses may come before the final
// one, as in http.Transport; a service sending more is broken or hostile.
const max1xx = 5

var errTooMany1xx = errors.New("upstream sent too many 1xx informational responses")

// readHead reads the final response head, skipping (at most max1xx)
// informational ones, within the service's head-size limit.
func (t *h1Transport) readHead(c *h1Conn, req *http.Request) (*http.Response, error) {
	c.in.left = t.maxHead - int64(c.br.Buffered())
	c.in.reads = 0
	defer func() { c.in.left, c.in.first = -1, nil }()
	for n := 0; ; n++ {
		resp, err := http.ReadResponse(c.br, req)
		if err != nil {
			if c.in.left == 0 {
				return nil, errHeadTooLarge
			}
			return nil, err
		}
		if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			// Transfer-Encoding and Content-Length together may be an
			// attempt at response splitting (RFC 9112, 6.3): the body is
			// read as chunked, and the connection is not used again.
			if len(resp.TransferEncoding) > 0 && (n > 0 || c.in.rawContentLength()) {
				resp.Close = true
			}
			return resp, nil
		}
		if n >= max1xx {
			return nil, errTooMany1xx
		}
	}
}

// readDeadline moves the read deadline unless ctx has ended: a
// cancellation that fired in between already set a deadline in the past,
// and overwriting it would leave the read blocked until the new one.
// ctx.Err is set before the AfterFunc runs, so checking after the set
// closes the gap.
func readDeadline(ctx context.Context, nc net.Conn, at time.Time) error {
	nc.SetReadDeadline(at)
	return ctx.Err()
}

func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// h1Body returns the connection to the pool after a clean end of body.
type h1Body struct {
	rc   io.ReadCloser
	c    *h1Conn
	t    *h1Transport
	keep bool
	// settle: the connection rests before it is pooled (mustSettle).
	settle bool
	stop   func() bool
	done   bool
}

func (b *h1Body) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	n, err := b.rc.Read(p)
	if err == io.EOF {
		b.finish(true)
	}
	return n, err
}

func (b *h1Body) Close() error {
	if !b.done {
		b.finish(false)
	}
	return nil
}

// finish ends the exchange. The connection is pooled only after a clean
// end with nothing read past the response: a byte there is the start of
// something no request asked for (a body on a HEAD, 204 or 304 answer,
// more than Content-Length said, or the answer to a request the service
// parsed out of a body it never read), and reading it as the next
// request's answer would hand one client another's response.
func (b *h1Body) finish(clean bool) {
	b.done = true
	stopped := b.stop()
	switch {
	case !clean || !b.keep || !stopped || b.c.br.Buffered() > 0:
		b.t.drop(b.c)
	case b.settle:
		b.t.settle(b.c)
	default:
		b.t.put(b.c)
	}
}

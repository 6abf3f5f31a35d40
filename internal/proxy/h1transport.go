package proxy

import (
	"bufio"
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
// goroutine, and a connection goes back to the pool when its body has
// been read to the end. http.Transport runs two goroutines per
// connection and hands every request between them; on a proxy's hot path
// that hand-off is a large share of the CPU. Anything this transport does
// not handle (https, protocol upgrades) goes to http.Transport.
type h1Transport struct {
	fallback *http.Transport
	dialer   net.Dialer
	response time.Duration // response-header timeout
	idleFor  time.Duration
	maxIdle  int

	mu   sync.Mutex
	idle map[string][]*h1Conn
}

type h1Conn struct {
	nc     net.Conn
	br     *bufio.Reader
	bw     *bufio.Writer
	idleAt time.Time
	// abort unblocks any read or write on nc; made once per connection
	// so that arming it for a request allocates no closure.
	abort func()
}

func newH1Conn(nc net.Conn) *h1Conn {
	c := &h1Conn{nc: nc, br: bufio.NewReaderSize(nc, 32<<10), bw: bufio.NewWriterSize(nc, 32<<10)}
	c.abort = func() { c.nc.SetDeadline(time.Unix(1, 0)) }
	return c
}

func newH1Transport(o TransportOptions, fallback *http.Transport) *h1Transport {
	return &h1Transport{
		fallback: fallback,
		dialer:   net.Dialer{Timeout: o.Connect, KeepAlive: 30 * time.Second},
		response: o.Response,
		idleFor:  o.Idle,
		maxIdle:  max(o.MaxIdle, 1),
		idle:     map[string][]*h1Conn{},
	}
}

// CloseIdleConnections closes pooled connections of both transports.
func (t *h1Transport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle = map[string][]*h1Conn{}
	t.mu.Unlock()
	for _, cs := range idle {
		for _, c := range cs {
			c.nc.Close()
		}
	}
	t.fallback.CloseIdleConnections()
}

func (t *h1Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" || len(req.Header["Upgrade"]) > 0 || req.Method == http.MethodConnect {
		return t.fallback.RoundTrip(req)
	}
	replayable := req.Body == nil || req.Body == http.NoBody
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
		c.nc.Close()
		// A pooled connection the upstream closed while it sat idle fails
		// before any response byte: try once more on a new one.
		if reused && attempt == 0 && replayable && req.Context().Err() == nil && staleConnError(err) {
			continue
		}
		return nil, err
	}
}

func staleConnError(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "broken pipe")
}

// exchange writes req on c and reads the response headers.
func (t *h1Transport) exchange(c *h1Conn, req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	// A cancelled request (client gone, per-try timeout) unblocks any read
	// or write on the connection at once.
	stop := context.AfterFunc(ctx, c.abort)
	if err := writeRequest(c.bw, req); err != nil {
		if resp := earlyAnswer(ctx, c, req, err); resp != nil {
			resp.Body = &h1Body{rc: resp.Body, c: c, t: t, key: req.URL.Host, stop: stop}
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
	runtime.Gosched()
	var resp *http.Response
	var err error
	for {
		resp, err = http.ReadResponse(c.br, req)
		if err != nil {
			stop()
			return nil, ctxErr(ctx, err)
		}
		if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			break
		}
		resp.Body.Close() // 1xx: informational, read the next
	}
	// The deadline bounds the wait for the head only. A body already in
	// the buffer needs no further read from the connection, so the
	// deadline may stay; the next exchange sets its own before reading.
	if t.response > 0 && !bodyBuffered(resp, c.br) {
		if err := readDeadline(ctx, c.nc, time.Time{}); err != nil {
			stop()
			resp.Body.Close()
			return nil, err
		}
	}
	keep := !resp.Close && !req.Close && resp.ProtoAtLeast(1, 1)
	resp.Body = &h1Body{rc: resp.Body, c: c, t: t, key: req.URL.Host, keep: keep, stop: stop}
	return resp, nil
}

// bodyBuffered says the whole body of resp is already read off the wire.
func bodyBuffered(resp *http.Response, br *bufio.Reader) bool {
	return resp.Body == http.NoBody || resp.ContentLength >= 0 && int64(br.Buffered()) >= resp.ContentLength
}

// earlyAnswer reads the response a service sent before it stopped taking
// the request body (a 413 or 401 for an upload it will not read, then a
// close), so the client gets that answer rather than a 502, as with
// http.Transport. It returns nil when the write failed for another reason
// (the client's body, a cancelled request) or no response is there. The
// connection is never reused after it.
func earlyAnswer(ctx context.Context, c *h1Conn, req *http.Request, err error) *http.Response {
	var be bodyReadError
	if ctx.Err() != nil || errors.As(err, &be) || req.Body == nil || req.Body == http.NoBody {
		return nil
	}
	// The service closed or reset the connection: whatever it answered
	// is already here, so a short bound is enough.
	if readDeadline(ctx, c.nc, time.Now().Add(earlyAnswerWait)) != nil {
		return nil
	}
	for {
		resp, rerr := http.ReadResponse(c.br, req)
		if rerr != nil {
			return nil
		}
		if resp.StatusCode >= 200 {
			if readDeadline(ctx, c.nc, time.Time{}) != nil {
				resp.Body.Close()
				return nil
			}
			resp.Close = true
			return resp
		}
		resp.Body.Close() // 1xx: informational, read the next
	}
}

const earlyAnswerWait = time.Second

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
	key  string
	keep bool
	stop func() bool
	done bool
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

func (b *h1Body) finish(clean bool) {
	b.done = true
	stopped := b.stop()
	if clean && b.keep && stopped {
		b.t.put(b.key, b.c)
		return
	}
	b.c.nc.Close()
}

func (t *h1Transport) conn(ctx context.Context, host string) (*h1Conn, bool, error) {
	now := time.Now()
	t.mu.Lock()
	for cs := t.idle[host]; len(cs) > 0; cs = t.idle[host] {
		c := cs[len(cs)-1]
		t.idle[host] = cs[:len(cs)-1]
		if t.idleFor > 0 && now.Sub(c.idleAt) > t.idleFor {
			c.nc.Close()
			continue
		}
		t.mu.Unlock()
		return c, true, nil
	}
	t.mu.Unlock()
	nc, err := t.dialer.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, false, err
	}
	return newH1Conn(nc), false, nil
}

func (t *h1Transport) put(host string, c *h1Conn) {
	c.idleAt = time.Now()
	t.mu.Lock()
	if len(t.idle[host]) < t.maxIdle {
		t.idle[host] = append(t.idle[host], c)
		c = nil
	}
	t.mu.Unlock()
	if c != nil {
		c.nc.Close()
	}
}

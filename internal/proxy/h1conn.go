package proxy

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"strings"
	"syscall"
	"time"
)

// h1Conn is one pooled HTTP/1.1 connection to a service.
type h1Conn struct {
	nc   net.Conn
	host string // the pool it belongs to
	// in sits between nc and br and bounds what a response head may read.
	in     headLimit
	br     *bufio.Reader
	bw     *bufio.Writer
	idleAt time.Time
	// abort unblocks any read or write on nc; made once per connection
	// so that arming it for a request allocates no closure.
	abort func()
	// written counts bytes handed to the socket, so a failed exchange
	// knows whether the service may have seen any of the request.
	written int64
	// answeredIn is how long the last response head took to come after
	// the request was sent (settle scales with it).
	answeredIn time.Duration

	// raw lets an idle connection be checked without a read (peek.go);
	// nil where the platform or connection type has no such check.
	raw      syscall.RawConn
	peekFn   func(fd uintptr)
	peekN    int
	peekErr  error
	peekByte [1]byte
}

func newH1Conn(nc net.Conn, host string) *h1Conn {
	c := &h1Conn{nc: nc, host: host}
	c.in = headLimit{c: c, left: -1}
	c.br = bufio.NewReaderSize(&c.in, 32<<10)
	c.bw = bufio.NewWriterSize(countingWriter{c}, 32<<10)
	c.abort = func() { c.nc.SetDeadline(time.Unix(1, 0)) }
	if sc, ok := nc.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			c.raw = raw
			c.peekFn = c.peek
		}
	}
	return c
}

// errHeadTooLarge ends a response whose head is longer than the service's
// limit: the gateway answers 502 without holding the rest in memory.
var errHeadTooLarge = errors.New("upstream response head too large")

// headLimit counts the bytes read off the connection while a response
// head is being read; left < 0 is no limit (reading a body). It also
// keeps where the first read of a head landed (the start of the bufio
// buffer, which then holds the head as received) so the raw head can be
// looked at after net/http has parsed it (rawHeadHas).
type headLimit struct {
	c     *h1Conn
	left  int64
	first []byte
	reads int
}

func (l *headLimit) Read(p []byte) (int, error) {
	if l.left < 0 {
		return l.c.nc.Read(p)
	}
	if l.left == 0 {
		return 0, errHeadTooLarge
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.c.nc.Read(p)
	if l.reads == 0 {
		l.first = p[:n]
	}
	l.reads++
	l.left -= int64(n)
	return n, err
}

// rawContentLength says the response head as received had a
// Content-Length field, or that it cannot tell (a head read in more
// than one piece, whose start the buffer may have moved). net/http drops
// Content-Length from a chunked response's header, so this is the only
// way to see that a service sent both.
func (l *headLimit) rawContentLength() bool {
	if l.reads != 1 {
		return true
	}
	const name = "content-length:"
	b := l.first
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return true // the head did not end in this read
		}
		b = b[i+1:]
		if len(b) == 0 || b[0] == '\n' || (b[0] == '\r' && len(b) > 1 && b[1] == '\n') {
			return false // the end of the head
		}
		if len(b) >= len(name) && strings.EqualFold(string(b[:len(name)]), name) {
			return true
		}
	}
}

type countingWriter struct{ c *h1Conn }

func (w countingWriter) Write(p []byte) (int, error) {
	n, err := w.c.nc.Write(p)
	w.c.written += int64(n)
	return n, err
}

// reusable says an idle connection may carry the next request: nothing
// is left in its read buffer and, where the platform lets us look without
// reading, the service has neither sent unsolicited bytes since the last
// response nor closed its end. Either would make the next request read a
// stale answer or fail after it was sent.
func (c *h1Conn) reusable() bool {
	if c.br.Buffered() > 0 {
		return false
	}
	if c.raw == nil {
		return true
	}
	c.peekN, c.peekErr = 0, nil
	if err := c.raw.Control(c.peekFn); err != nil {
		return false
	}
	return idleVerdict(c.peekN, c.peekErr)
}

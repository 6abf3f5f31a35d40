package hostile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http/httputil"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// A scripted service is a raw TCP listener on loopback whose every
// connection is handed to a script: the script reads request heads
// (rawReq) and writes whatever bytes it likes, well-formed or not.

// serveFunc is the behaviour of one keep-alive connection.
type serveFunc func(c *sconn)

// scriptServer runs serve on every accepted connection until closed.
type scriptServer struct {
	ln     net.Listener
	serve  serveFunc
	secret string        // in the body of every answer to a secret path
	idle   time.Duration // read deadline while waiting for a request
	life   time.Duration // hard bound on a connection's lifetime

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// startScript starts a scripted service and closes it, with every
// connection and goroutine it started, when the test ends.
func startScript(t testing.TB, serve serveFunc, idle time.Duration) *scriptServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &scriptServer{
		ln: ln, serve: serve, secret: "SECRET-" + nonce(),
		idle: idle, life: 15 * time.Second,
		conns: map[net.Conn]struct{}{},
	}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(s.Close)
	return s
}

func (s *scriptServer) Addr() string { return s.ln.Addr().String() }

func (s *scriptServer) accept() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			nc.Close()
			return
		}
		s.conns[nc] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			defer func() {
				nc.Close()
				s.mu.Lock()
				delete(s.conns, nc)
				s.mu.Unlock()
			}()
			nc.SetDeadline(time.Now().Add(s.life))
			s.serve(&sconn{nc: nc, br: bufio.NewReader(nc), s: s})
		}()
	}
}

// Close stops accepting, closes every connection and waits for the
// connection goroutines to return.
func (s *scriptServer) Close() {
	s.mu.Lock()
	s.closed = true
	s.ln.Close()
	for nc := range s.conns {
		nc.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// sconn is one upstream connection as a script sees it.
type sconn struct {
	nc net.Conn
	br *bufio.Reader
	s  *scriptServer
}

// rawReq is a request head as the service parsed it.
type rawReq struct {
	method, target string
	header         map[string][]string // lower-case names
	marker         string              // X-Marker, or the marker in the target
	secret         bool                // the smuggled request for the secret path
}

func (r *rawReq) get(name string) string {
	if v := r.header[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

const maxHead = 64 << 10

var errBadHead = errors.New("bad request head")

// readRequest reads one request head (CRLF or bare LF lines), as a
// lenient keep-alive server would. It leaves the body unread.
func (c *sconn) readRequest() (*rawReq, error) {
	if c.s.idle > 0 {
		c.nc.SetReadDeadline(time.Now().Add(c.s.idle))
	}
	n := 0
	line := func() (string, error) {
		l, err := c.br.ReadString('\n')
		n += len(l)
		if err != nil {
			return "", err
		}
		if n > maxHead {
			return "", errBadHead
		}
		return strings.TrimRight(l, "\r\n"), nil
	}
	first, err := line()
	for err == nil && first == "" { // tolerate blank lines between requests
		first, err = line()
	}
	if err != nil {
		return nil, err
	}
	parts := strings.Fields(first)
	if len(parts) != 3 || !strings.HasPrefix(parts[2], "HTTP/1.") {
		return nil, errBadHead
	}
	r := &rawReq{method: parts[0], target: parts[1], header: map[string][]string{}}
	for {
		l, err := line()
		if err != nil {
			return nil, err
		}
		if l == "" {
			break
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			return nil, errBadHead
		}
		k = strings.ToLower(strings.TrimSpace(k))
		r.header[k] = append(r.header[k], strings.TrimSpace(v))
	}
	c.nc.SetReadDeadline(time.Time{})
	r.marker = r.get("x-marker")
	if r.marker == "" {
		r.marker = markerRE.FindString(r.target)
	}
	r.secret = strings.HasPrefix(r.target, "/internal/secret") || strings.HasPrefix(r.target, "/secret")
	return r, nil
}

// readBody reads and discards the request body the head announces.
func (c *sconn) readBody(r *rawReq) error {
	if strings.EqualFold(r.get("transfer-encoding"), "chunked") {
		_, err := io.Copy(io.Discard, httputil.NewChunkedReader(c.br))
		return err
	}
	if cl := r.get("content-length"); cl != "" {
		n, err := strconv.ParseInt(cl, 10, 64)
		if err != nil || n < 0 {
			return errBadHead
		}
		_, err = io.CopyN(io.Discard, c.br, n)
		return err
	}
	return nil
}

// write sends the parts as they are, in one write: bytes a script sends
// past the end of a response then arrive with it, so a transport can tell
// them from an answer to a request it has not sent yet.
func (c *sconn) write(parts ...string) error {
	_, err := io.WriteString(c.nc, strings.Join(parts, ""))
	return err
}

// lateWindow is how long after the driver's clients went quiet a script
// may still send unsolicited bytes: the next round starts a gap later,
// so they are on the gateway's idle connection well before any request
// could take it. Bytes sent after a request went out are that request's
// answer for any HTTP/1.1 client; the bench tests what can be told apart.
const lateWindow = 80 * time.Millisecond

// idleAndQuiet reports whether no request byte arrived within d and the
// driver's clients are between rounds, early enough in the pause.
func (c *sconn) idleAndQuiet(d time.Duration) bool {
	if !c.idleFor(d) {
		return false
	}
	q := quietSince.Load()
	return q != 0 && time.Since(time.Unix(0, q)) < lateWindow
}

// idleFor reports whether no request byte arrives within d.
func (c *sconn) idleFor(d time.Duration) bool {
	c.nc.SetReadDeadline(time.Now().Add(d))
	_, err := c.br.Peek(1)
	c.nc.SetReadDeadline(time.Time{})
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// trickle sends b in pieces of size bytes with pause between them.
func (c *sconn) trickle(b string, size int, pause time.Duration) error {
	for len(b) > 0 {
		k := min(size, len(b))
		if err := c.write(b[:k]); err != nil {
			return err
		}
		b = b[k:]
		if len(b) > 0 {
			time.Sleep(pause)
		}
	}
	return nil
}

// closeWrite half-closes the connection: the service sends FIN but can
// still read.
func (c *sconn) closeWrite() {
	if tc, ok := c.nc.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
}

// loop reads requests and hands each to answer until a read fails or
// answer returns false.
func (c *sconn) loop(answer func(r *rawReq) bool) {
	for {
		r, err := c.readRequest()
		if err != nil {
			return
		}
		if !answer(r) {
			return
		}
	}
}

// The answer a service gives: every response carries the marker of the
// request it answers in an X-Marker header and in its body, so a client
// handed another request's answer can tell. The secret path's answer
// carries the server's secret instead.

// answerBody is the body a service sends for r.
func (s *scriptServer) answerBody(r *rawReq) string {
	if r.secret {
		return s.secret + " for " + r.target + "\n"
	}
	return "marker=" + r.marker + "\n"
}

// head builds a response head with the marker header, the given extra
// fields and line ending eol.
func head(status int, r *rawReq, eol string, fields ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP/1.1 %d %s%s", status, reason(status), eol)
	marker := r.marker
	if r.secret {
		marker = "evil"
	}
	b.WriteString("X-Marker: " + marker + eol)
	b.WriteString("Content-Type: text/plain" + eol)
	for _, f := range fields {
		b.WriteString(f + eol)
	}
	b.WriteString(eol)
	return b.String()
}

// response is a complete, well-formed answer to r with a Content-Length.
func (s *scriptServer) response(status int, r *rawReq) string {
	body := s.answerBody(r)
	h := head(status, r, "\r\n", "Content-Length: "+strconv.Itoa(len(body)))
	if r.method == "HEAD" || status == 204 || status == 304 {
		return h
	}
	return h + body
}

// smuggled is a complete response answering r that a service sends where
// no response belongs (after the real one, as a HEAD or 204 body, beyond
// the Content-Length). Whoever reads it as their answer sees r's marker.
func (s *scriptServer) smuggled(r *rawReq) string {
	body := "smuggled " + s.answerBody(r)
	return head(200, r, "\r\n", "Content-Length: "+strconv.Itoa(len(body))) + body
}

func reason(status int) string {
	switch status {
	case 100:
		return "Continue"
	case 200:
		return "OK"
	case 204:
		return "No Content"
	case 206:
		return "Partial Content"
	case 304:
		return "Not Modified"
	case 404:
		return "Not Found"
	case 413:
		return "Content Too Large"
	case 500:
		return "Internal Server Error"
	}
	return "Status"
}

package hostile

import (
	"strconv"
	"strings"
	"time"
)

// script is a scripted service: the behaviour of each connection, and
// what the lean transport must make of it.
type script struct {
	name  string
	serve serveFunc
	// want is the status every request must get through the lean
	// transport (with the request's own marker when 200); 0 asserts
	// nothing beyond the absence of cross-talk.
	want int
	// workers and perWorker size the load; 0 takes the defaults.
	workers, perWorker int
	// gap, if set, sends the requests in rounds with this pause between.
	gap time.Duration
	// serial runs the script alone, not alongside the others: it is
	// heavy enough to starve them.
	serial bool
	// bigPost pads POST bodies after the smuggled request so that a
	// service that does not read them makes the gateway's write fail.
	bigPost bool
}

// answering is the usual keep-alive loop: read the head, let reply write
// the answer (reading the body first unless it says otherwise).
func answering(readBody bool, reply func(c *sconn, r *rawReq) bool) serveFunc {
	return func(c *sconn) {
		c.loop(func(r *rawReq) bool {
			if readBody && c.readBody(r) != nil {
				return false
			}
			return reply(c, r)
		})
	}
}

func scripts() []script {
	return []script{
		{
			// A well-behaved service: the control.
			name: "control",
			want: 200,
			serve: answering(true, func(c *sconn, r *rawReq) bool {
				return c.write(c.s.response(200, r)) == nil
			}),
		},
		{
			// Python http.server style: answers right after the head and
			// keeps the connection, never reading the POST body, so the
			// body (itself a request for the secret path) is parsed as the
			// next request and answered on the same connection.
			name: "never-reads-body",
			serve: answering(false, func(c *sconn, r *rawReq) bool {
				return c.write(c.s.response(200, r)) == nil
			}),
		},
		{
			// A body on the response to HEAD: the bytes after the head
			// are a whole response with this request's marker.
			name: "body-on-head",
			serve: answering(true, func(c *sconn, r *rawReq) bool {
				if r.method != "HEAD" {
					return c.write(c.s.response(200, r)) == nil
				}
				body := c.s.smuggled(r)
				return c.write(head(200, r, "\r\n", "Content-Length: "+strconv.Itoa(len(body))), body) == nil
			}),
		},
		{
			// 204 No Content, with a Content-Length and a body anyway.
			name: "body-on-204",
			serve: answering(true, func(c *sconn, r *rawReq) bool {
				body := c.s.smuggled(r)
				return c.write(head(204, r, "\r\n", "Content-Length: "+strconv.Itoa(len(body))), body) == nil
			}),
		},
		{
			// 304 Not Modified, with a body.
			name: "body-on-304",
			serve: answering(true, func(c *sconn, r *rawReq) bool {
				body := c.s.smuggled(r)
				return c.write(head(304, r, "\r\n", "Content-Length: "+strconv.Itoa(len(body))), body) == nil
			}),
		},
		{
			// More bytes than the Content-Length: a whole response past it.
			name: "beyond-content-length",
			serve: answering(true, func(c *sconn, r *rawReq) bool {
				return c.write(c.s.response(200, r), c.s.smuggled(r)) == nil
			}),
		},
		{
			// A clean answer, then, once the connection has been idle for
			// 100 ms, a response nobody asked for. Bytes sent after the
			// gateway's next request would be, for any client, the answer
			// to it; so they go only on a connection still idle, and the
			// clients send in rounds 250 ms apart, so that the gateway's
			// connections sit idle past that point before their next use.
			name:      "unsolicited-later",
			workers:   8,
			perWorker: 4,
			gap:       250 * time.Millisecond,
			serve: answering(true, func(c *sconn, r *rawReq) bool {
				if c.write(c.s.response(200, r)) != nil {
					return false
				}
				if c.idleAndQuiet(20 * time.Millisecond) {
					return c.write(c.s.smuggled(r)) == nil
				}
				return true
			}),
		},
		{
			// An upload answered 413 before its body is read, then the
			// connection closed (without Connection: close). GET and HEAD
			// are answered normally.
			name:    "early-answer-close",
			bigPost: true,
			serve: answering(false, func(c *sconn, r *rawReq) bool {
				if r.method != "POST" {
					return c.readBody(r) == nil && c.write(c.s.response(200, r)) == nil
				}
				c.write(c.s.response(413, r))
				time.Sleep(5 * time.Millisecond)
				return false
			}),
		},
		{
			// Each response written a byte at a time with small pauses.
			name:      "split-head",
			want:      200,
			perWorker: 3,
			serve: answering(true, func(c *sconn, r *rawReq) bool {
				return c.trickle(c.s.response(200, r), 1, 200*time.Microsecond) == nil
			}),
		},
		{
			// Bare LF line endings throughout the head.
			name: "bare-lf",
			serve: answering(true, func(c *sconn, r *rawReq) bool {
				body := c.s.answerBody(r)
				h := head(200, r, "\n", "Content-Length: "+strconv.Itoa(len(body)))
				if r.method == "HEAD" {
					return c.write(h) == nil
				}
				return c.write(h, body) == nil
			}),
		},
		{
			// Two Content-Length fields that disagree: the short one ends
			// at the real body, the long one covers a smuggled response.
			name: "duplicate-content-length",
			serve: answering(true, func(c *sconn, r *rawReq) bool {
				body, extra := c.s.answerBody(r), c.s.smuggled(r)
				h := head(200, r, "\r\n",
					"Content-Length: "+strconv.Itoa(len(body)),
					"Content-Length: "+strconv.Itoa(len(body)+len(extra)))
				if r.method == "HEAD" {
					return c.write(h, extra) == nil
				}
				return c.write(h, body, extra) == nil
			}),
		},
		{
			// Transfer-Encoding: chunked and a Content-Length that covers
			// a smuggled response after the last chunk.
			name: "te-and-content-length",
			serve: answering(true, func(c *sconn, r *rawReq) bool {
				body, extra := c.s.answerBody(r), c.s.smuggled(r)
				chunked := strconv.FormatInt(int64(len(body)), 16) + "\r\n" + body + "\r\n0\r\n\r\n"
				h := head(200, r, "\r\n", "Transfer-Encoding: chunked",
					"Content-Length: "+strconv.Itoa(len(chunked)+len(extra)))
				if r.method == "HEAD" {
					return c.write(h, extra) == nil
				}
				return c.write(h, chunked, extra) == nil
			}),
		},
		{
			// Connection: close announced, but the socket stays open and
			// more bytes follow, at once and 20 ms later; any request
			// sent on it anyway is answered.
			name: "close-announced-kept-open",
			serve: answering(true, func(c *sconn, r *rawReq) bool {
				body := c.s.answerBody(r)
				h := head(200, r, "\r\n", "Connection: close", "Content-Length: "+strconv.Itoa(len(body)))
				if r.method == "HEAD" {
					body = ""
				}
				if c.write(h, body, c.s.smuggled(r)) != nil {
					return false
				}
				time.Sleep(20 * time.Millisecond)
				return c.write(c.s.smuggled(r)) == nil
			}),
		},
		{
			// A keep-alive answer, then a half-close: the service sends FIN
			// and reads on, never answering again.
			name: "half-close",
			serve: func(c *sconn) {
				r, err := c.readRequest()
				if err != nil || c.readBody(r) != nil || c.write(c.s.response(200, r)) != nil {
					return
				}
				c.closeWrite()
				c.loop(func(r *rawReq) bool { return c.readBody(r) == nil })
			},
		},
		{
			// Slowloris answers: the head trickled in 8-byte pieces every
			// 10 ms, well within the response timeout.
			name:      "slowloris",
			want:      200,
			perWorker: 2,
			serve: answering(true, func(c *sconn, r *rawReq) bool {
				return c.trickle(c.s.response(200, r), 8, 10*time.Millisecond) == nil
			}),
		},
		{
			// A 2 MiB response head. The gateway must refuse it (502)
			// rather than buffer heads of any size.
			name:      "huge-head",
			want:      502,
			serial:    true,
			workers:   4,
			perWorker: 2,
			serve: answering(true, func(c *sconn, r *rawReq) bool {
				body := c.s.answerBody(r)
				pad := strings.Repeat("p", 1000)
				fields := make([]string, 0, 2100)
				for i := range 2100 {
					fields = append(fields, "X-Pad-"+strconv.Itoa(i)+": "+pad)
				}
				fields = append(fields, "Content-Length: "+strconv.Itoa(len(body)))
				h := head(200, r, "\r\n", fields...)
				if r.method == "HEAD" {
					body = ""
				}
				return c.write(h, body) == nil
			}),
		},
		{
			// 1000 interim 100 Continue responses before the answer. The
			// gateway must give up (502) rather than read them forever.
			name:      "many-1xx",
			want:      502,
			workers:   4,
			perWorker: 2,
			serve: answering(true, func(c *sconn, r *rawReq) bool {
				return c.write(strings.Repeat("HTTP/1.1 100 Continue\r\n\r\n", 1000), c.s.response(200, r)) == nil
			}),
		},
	}
}

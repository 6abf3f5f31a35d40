package hostile

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fuzzScript is a scripted service composed from fuzz input: how each
// request on a connection is answered and what the service does after.
type fuzzScript struct {
	status    int  // final status
	interim   int  // 100 Continue responses before it
	readBody  bool // read the request body before answering
	lf        bool // bare LF line endings
	pool      bool // gateway mode: pool.max_conns (the lean transport with a cap)
	keepAlive bool // keep-alive clients
	rounds    bool // requests in rounds with fuzzGap between
	framing   int  // see the framing constants
	connHdr   int  // 0 none, 1 Connection: keep-alive, 2 Connection: close
	after     int  // 0 keep reading, 1 half-close, 2 close
	trailing  int  // 0 nothing, 1 a smuggled response, 2 tail, 3 a partial head
	delay     int  // index into fuzzDelays: idle time before the trailing bytes
	split     int  // 0 at once, 1 in two writes, 2 byte by byte
	tail      string
}

const (
	frameCL         = iota // Content-Length, no body where none belongs
	frameChunked           // Transfer-Encoding: chunked
	frameClose             // no length: the body ends at close
	frameDupCL             // two differing Content-Length fields
	frameTEAndCL           // chunked and a Content-Length
	frameBodyAlways        // Content-Length and a body even on HEAD, 204, 304
	numFramings
)

var (
	fuzzStatuses = []int{200, 204, 304, 404, 500, 206, 201, 413}
	fuzzInterim  = []int{0, 1, 2, 5}
	// fuzzDelays are how long a connection must have been idle before
	// the trailing bytes go; 0 sends them with the response.
	fuzzDelays = []time.Duration{0, 30 * time.Millisecond, 60 * time.Millisecond, 100 * time.Millisecond}
)

const maxTail = 256

// fuzzGap is the pause between rounds of requests: longer than every
// fuzzDelays, so that the gateway's connections are reused after their
// later bytes have come.
const fuzzGap = 250 * time.Millisecond

// tailMarker in the tail is replaced by the marker of the request just
// answered, so that fuzzed bytes can impersonate a response to it.
const tailMarker = "{M}"

func bit(b byte, i uint) bool { return b>>i&1 == 1 }

// decodeFuzz reads a script from fuzz input; missing bytes are zero.
func decodeFuzz(data []byte) fuzzScript {
	at := func(i int) byte {
		if i < len(data) {
			return data[i]
		}
		return 0
	}
	b0, b1, b2, b3, b4 := at(0), at(1), at(2), at(3), at(4)
	f := fuzzScript{
		status:    fuzzStatuses[int(b0)%len(fuzzStatuses)],
		interim:   fuzzInterim[b1&3],
		readBody:  bit(b1, 2),
		lf:        bit(b1, 3),
		pool:      bit(b1, 4),
		keepAlive: bit(b1, 5),
		rounds:    bit(b1, 6),
		framing:   int(b2) % numFramings,
		connHdr:   int(b3&15) % 3,
		after:     int(b3>>4) % 3,
		trailing:  int(b4 & 3),
		delay:     int(b4 >> 2 & 3),
		split:     int(b4>>4) % 3,
	}
	if len(data) > 5 {
		t := data[5:]
		if len(t) > maxTail {
			t = t[:maxTail]
		}
		f.tail = string(t)
	}
	return f
}

// encode is decodeFuzz's inverse, for the seed corpus.
func (f fuzzScript) encode() []byte {
	idx := func(list []int, v int) byte {
		for i, x := range list {
			if x == v {
				return byte(i)
			}
		}
		panic("no such value " + strconv.Itoa(v))
	}
	flag := func(v bool, i uint) byte {
		if v {
			return 1 << i
		}
		return 0
	}
	b := []byte{
		idx(fuzzStatuses, f.status),
		idx(fuzzInterim, f.interim) | flag(f.readBody, 2) | flag(f.lf, 3) | flag(f.pool, 4) | flag(f.keepAlive, 5) | flag(f.rounds, 6),
		byte(f.framing),
		byte(f.connHdr) | byte(f.after)<<4,
		byte(f.trailing) | byte(f.delay)<<2 | byte(f.split)<<4,
	}
	return append(b, f.tail...)
}

// serve answers every request on the connection as f says.
func (f fuzzScript) serve(c *sconn) {
	eol := "\r\n"
	if f.lf {
		eol = "\n"
	}
	after, connHdr := f.after, f.connHdr
	if f.framing == frameClose {
		after = 2 // a close-delimited body needs the close
	}
	c.loop(func(r *rawReq) bool {
		if f.readBody && c.readBody(r) != nil {
			return false
		}
		var msg strings.Builder
		for range f.interim {
			msg.WriteString("HTTP/1.1 100 Continue" + eol + eol)
		}
		body, extra := c.s.answerBody(r), c.s.smuggled(r)
		noBody := r.method == "HEAD" || f.status == 204 || f.status == 304
		var fields []string
		switch connHdr {
		case 1:
			fields = append(fields, "Connection: keep-alive")
		case 2:
			fields = append(fields, "Connection: close")
		}
		switch f.framing {
		case frameCL:
			fields = append(fields, "Content-Length: "+strconv.Itoa(len(body)))
			if noBody {
				body = ""
			}
		case frameChunked:
			fields = append(fields, "Transfer-Encoding: chunked")
			body = strconv.FormatInt(int64(len(body)), 16) + "\r\n" + body + "\r\n0\r\n\r\n"
			if noBody {
				body = ""
			}
		case frameClose:
			if noBody {
				body = ""
			}
		case frameDupCL:
			fields = append(fields, "Content-Length: "+strconv.Itoa(len(body)),
				"Content-Length: "+strconv.Itoa(len(body)+len(extra)))
			body += extra
		case frameTEAndCL:
			chunked := strconv.FormatInt(int64(len(body)), 16) + "\r\n" + body + "\r\n0\r\n\r\n"
			fields = append(fields, "Transfer-Encoding: chunked",
				"Content-Length: "+strconv.Itoa(len(chunked)+len(extra)))
			body = chunked + extra
		case frameBodyAlways:
			if noBody {
				body = extra // a whole response where no body belongs
			}
			fields = append(fields, "Content-Length: "+strconv.Itoa(len(body)))
		}
		msg.WriteString(head(f.status, r, eol, fields...))
		msg.WriteString(body)
		var tb string
		switch f.trailing {
		case 1:
			tb = extra
		case 2:
			tb = strings.ReplaceAll(f.tail, tailMarker, r.marker)
		case 3:
			tb = "HTTP/1.1 200 OK" + eol + "X-Marker: " + r.marker + eol + "Content-Le"
		}
		delay := fuzzDelays[f.delay]
		if delay == 0 {
			// Trailing bytes at once go with the response's last bytes.
			if f.write(c, msg.String(), tb) != nil {
				return false
			}
		} else {
			if f.write(c, msg.String(), "") != nil {
				return false
			}
			// Later bytes go only on a connection still idle: sent after
			// the gateway's next request, they would be its answer for
			// any client.
			if tb != "" && c.idleAndQuiet(min(delay, lateWindow/2)) && c.write(tb) != nil {
				return false
			}
		}
		switch after {
		case 1:
			c.closeWrite()
		case 2:
			return false
		}
		return true
	})
}

// write sends msg as f.split says, with tail in the same write as its
// last byte.
func (f fuzzScript) write(c *sconn, msg, tail string) error {
	switch f.split {
	case 1:
		half := len(msg) / 2
		if err := c.write(msg[:half]); err != nil {
			return err
		}
		time.Sleep(2 * time.Millisecond)
		return c.write(msg[half:], tail)
	case 2:
		if err := c.trickle(msg[:len(msg)-1], 1, 20*time.Microsecond); err != nil {
			return err
		}
		time.Sleep(20 * time.Microsecond)
		return c.write(msg[len(msg)-1:], tail)
	}
	return c.write(msg, tail)
}

// fuzzSeeds cover the scripted patterns of TestHostile.
func fuzzSeeds() map[string]fuzzScript {
	ok := fuzzScript{status: 200, readBody: true}
	with := func(change func(*fuzzScript)) fuzzScript {
		f := ok
		change(&f)
		return f
	}
	return map[string]fuzzScript{
		"control":                   ok,
		"control-pool":              with(func(f *fuzzScript) { f.pool = true; f.keepAlive = true }),
		"never-reads-body":          with(func(f *fuzzScript) { f.readBody = false }),
		"never-reads-body-pool":     with(func(f *fuzzScript) { f.readBody = false; f.pool = true }),
		"body-on-head":              with(func(f *fuzzScript) { f.framing = frameBodyAlways }),
		"body-on-204":               with(func(f *fuzzScript) { f.status = 204; f.framing = frameBodyAlways }),
		"body-on-304":               with(func(f *fuzzScript) { f.status = 304; f.framing = frameBodyAlways }),
		"beyond-content-length":     with(func(f *fuzzScript) { f.trailing = 1 }),
		"unsolicited-later":         with(func(f *fuzzScript) { f.trailing = 1; f.delay = 3; f.rounds = true }),
		"early-answer-close":        with(func(f *fuzzScript) { f.status = 413; f.readBody = false; f.after = 2 }),
		"split-head":                with(func(f *fuzzScript) { f.split = 2 }),
		"split-in-two-chunked":      with(func(f *fuzzScript) { f.split = 1; f.framing = frameChunked }),
		"bare-lf":                   with(func(f *fuzzScript) { f.lf = true }),
		"duplicate-content-length":  with(func(f *fuzzScript) { f.framing = frameDupCL }),
		"te-and-content-length":     with(func(f *fuzzScript) { f.framing = frameTEAndCL }),
		"close-announced-kept-open": with(func(f *fuzzScript) { f.connHdr = 2; f.trailing = 1 }),
		"close-delimited":           with(func(f *fuzzScript) { f.framing = frameClose }),
		"half-close":                with(func(f *fuzzScript) { f.after = 1; f.connHdr = 1 }),
		"interim-responses":         with(func(f *fuzzScript) { f.interim = 5 }),
		"partial-head-after":        with(func(f *fuzzScript) { f.trailing = 3; f.delay = 1; f.rounds = true }),
		"tail-impersonating": with(func(f *fuzzScript) {
			f.trailing = 2
			f.tail = "HTTP/1.1 200 OK\r\nX-Marker: {M}\r\nContent-Length: 12\r\n\r\nfrom the {M}"
		}),
	}
}

// FuzzHostileScript composes a scripted service from the input and sends
// a few concurrent requests through the gateway: no client may see
// another request's marker or the service's secret.
func FuzzHostileScript(f *testing.F) {
	seeds := fuzzSeeds()
	names := make([]string, 0, len(seeds))
	for n := range seeds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f.Add(seeds[n].encode())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fs := decodeFuzz(data)
		svc := startScript(t, fs.serve, time.Second)
		mode := lean
		if fs.pool {
			mode = capped
		}
		addr := startGateway(t, svc.Addr(), mode, 500*time.Millisecond)
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
		defer cancel()
		l := load{workers: 3, perWorker: 3, keepAlive: fs.keepAlive, timeout: 1500 * time.Millisecond}
		if fs.rounds {
			l.gap = fuzzGap
		}
		tl := drive(ctx, addr, svc.secret, l)
		for _, p := range tl.problems {
			t.Errorf("%+v: %s", fs, p)
		}
	})
}

package proxy

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// scriptedUpstream serves keep-alive connections on loopback, reading
// each request head (and never its body: the script decides) and writing
// whatever answer returns, so a test can play a service that breaks
// HTTP/1.1 framing. It counts connections, and closed ones on ended.
func scriptedUpstream(t *testing.T, answer func(r *http.Request, c net.Conn)) (string, *atomic.Int64) {
	base, conns, _ := scriptedUpstreamEnds(t, answer)
	return base, conns
}

func scriptedUpstreamEnds(t *testing.T, answer func(r *http.Request, c net.Conn)) (string, *atomic.Int64, chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var conns atomic.Int64
	ended := make(chan struct{}, 100)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				br := bufio.NewReader(c)
				for {
					r, err := http.ReadRequest(br)
					if err != nil {
						ended <- struct{}{}
						return
					}
					answer(r, c)
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String(), &conns, ended
}

func answerText(c net.Conn, body string) {
	fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
}

// TestH1NoDesync plays services that leave bytes on a keep-alive
// connection past the end of an answer, at once or a little later. The
// request after each must get its own answer, never those bytes.
func TestH1NoDesync(t *testing.T) {
	smuggled := "GET /secret HTTP/1.1\r\nHost: x\r\n\r\n"
	cases := []struct {
		name   string
		first  func(base string) *http.Request
		answer func(r *http.Request, c net.Conn)
	}{
		{
			// Python's http.server style: answers a POST without reading
			// its body, then parses the body as the next request.
			name: "unread POST body parsed as a request",
			first: func(base string) *http.Request {
				r, _ := http.NewRequest("POST", base+"/public", strings.NewReader(smuggled))
				return r
			},
			answer: func(r *http.Request, c net.Conn) {
				switch r.URL.Path {
				case "/secret":
					answerText(c, "SECRET")
				default:
					answerText(c, "answer to "+r.URL.Path)
				}
			},
		},
		{
			name:  "body on a HEAD answer",
			first: func(base string) *http.Request { r, _ := http.NewRequest("HEAD", base+"/h", nil); return r },
			answer: func(r *http.Request, c net.Conn) {
				if r.Method == "HEAD" {
					io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nSECRET")
					return
				}
				answerText(c, "answer to "+r.URL.Path)
			},
		},
		{
			name:  "body on a 204",
			first: func(base string) *http.Request { r, _ := http.NewRequest("GET", base+"/204", nil); return r },
			answer: func(r *http.Request, c net.Conn) {
				if r.URL.Path == "/204" {
					io.WriteString(c, "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nSECRET")
					return
				}
				answerText(c, "answer to "+r.URL.Path)
			},
		},
		{
			name:  "body on a 304",
			first: func(base string) *http.Request { r, _ := http.NewRequest("GET", base+"/304", nil); return r },
			answer: func(r *http.Request, c net.Conn) {
				if r.URL.Path == "/304" {
					io.WriteString(c, "HTTP/1.1 304 Not Modified\r\nContent-Length: 6\r\n\r\nSECRET")
					return
				}
				answerText(c, "answer to "+r.URL.Path)
			},
		},
		{
			name:  "more bytes than Content-Length",
			first: func(base string) *http.Request { r, _ := http.NewRequest("GET", base+"/long", nil); return r },
			answer: func(r *http.Request, c net.Conn) {
				if r.URL.Path == "/long" {
					io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nSECRET")
					return
				}
				answerText(c, "answer to "+r.URL.Path)
			},
		},
		{
			name:  "unsolicited answer while idle",
			first: func(base string) *http.Request { r, _ := http.NewRequest("GET", base+"/late", nil); return r },
			answer: func(r *http.Request, c net.Conn) {
				answerText(c, "answer to "+r.URL.Path)
				if r.URL.Path == "/late" {
					time.Sleep(20 * time.Millisecond)
					answerText(c, "SECRET")
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base, _ := scriptedUpstream(t, tc.answer)
			tr := newTestH1(TransportOptions{})
			defer tr.CloseIdleConnections()
			resp, err := tr.RoundTrip(tc.first(base))
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			// Let whatever the service sends after its answer arrive.
			time.Sleep(60 * time.Millisecond)
			for i := range 3 {
				path := fmt.Sprintf("/next%d", i)
				if _, body := get(t, tr, "GET", base+path, nil); body != "answer to "+path {
					t.Fatalf("request %d after the first got %q; want its own answer", i, body)
				}
			}
		})
	}
}

// TestH1ResponseHeadLimits: a head past the limit, or more than a handful
// of 1xx answers, is an error (the proxy's 502), not a 200 grown in memory.
func TestH1ResponseHeadLimits(t *testing.T) {
	t.Run("head too large", func(t *testing.T) {
		base, _ := scriptedUpstream(t, func(r *http.Request, c net.Conn) {
			io.WriteString(c, "HTTP/1.1 200 OK\r\n")
			line := "X-Pad: " + strings.Repeat("a", 1000) + "\r\n"
			for range 300 { // about 300 KB, over the 64 KiB limit below
				if _, err := io.WriteString(c, line); err != nil {
					return
				}
			}
			io.WriteString(c, "Content-Length: 2\r\n\r\nok")
		})
		tr := newTestH1(TransportOptions{MaxResponseHead: 64 << 10})
		req, _ := http.NewRequest("GET", base+"/", nil)
		_, err := tr.RoundTrip(req)
		if err != errHeadTooLarge {
			t.Fatalf("err = %v; want %v", err, errHeadTooLarge)
		}
		if classify(err).Status != http.StatusBadGateway {
			t.Fatalf("classified %d; want 502", classify(err).Status)
		}
	})
	t.Run("1xx flood", func(t *testing.T) {
		base, _ := scriptedUpstream(t, func(r *http.Request, c net.Conn) {
			for range 1000 {
				if _, err := io.WriteString(c, "HTTP/1.1 100 Continue\r\n\r\n"); err != nil {
					return
				}
			}
			answerText(c, "ok")
		})
		tr := newTestH1(TransportOptions{})
		req, _ := http.NewRequest("GET", base+"/", nil)
		if _, err := tr.RoundTrip(req); err != errTooMany1xx {
			t.Fatalf("err = %v; want %v", err, errTooMany1xx)
		}
	})
	t.Run("a few 1xx are fine", func(t *testing.T) {
		base, _ := scriptedUpstream(t, func(r *http.Request, c net.Conn) {
			io.WriteString(c, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n")
			answerText(c, "ok")
		})
		tr := newTestH1(TransportOptions{})
		if _, body := get(t, tr, "GET", base+"/", nil); body != "ok" {
			t.Fatalf("body %q; want ok", body)
		}
	})
}

// TestH1StalePostSentAgain: the service closes a pooled connection while
// it is idle (without saying so in its answer, as keep-alive timeouts
// do); a POST taken next goes out on a new connection with its body.
func TestH1StalePostSentAgain(t *testing.T) {
	base, conns := scriptedUpstream(t, func(r *http.Request, c net.Conn) {
		b, _ := io.ReadAll(r.Body)
		answerText(c, r.Method+" "+string(b))
		c.Close() // its keep-alive timeout, at once
	})
	tr := newTestH1(TransportOptions{})
	get(t, tr, "GET", base+"/", nil)
	time.Sleep(30 * time.Millisecond) // the FIN arrives
	req, _ := http.NewRequest("POST", base+"/", strings.NewReader("payload"))
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatalf("POST after the service closed the idle connection: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "POST payload" || conns.Load() != 2 {
		t.Fatalf("got %q over %d connections; want \"POST payload\" over 2", b, conns.Load())
	}
}

// TestH1ReaperClosesIdle: pooled connections past the idle timeout are
// closed in the background, not only when next taken.
func TestH1ReaperClosesIdle(t *testing.T) {
	base, _, closed := scriptedUpstreamEnds(t, func(r *http.Request, c net.Conn) { answerText(c, "ok") })
	tr := newTestH1(TransportOptions{Idle: 50 * time.Millisecond})
	get(t, tr, "GET", base+"/", nil)
	if n := tr.idleCount(); n != 1 {
		t.Fatalf("%d idle connections after one request; want 1", n)
	}
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the idle connection was not closed by the reaper")
	}
	if n := tr.idleCount(); n != 0 {
		t.Fatalf("%d idle connections after the reaper ran; want 0", n)
	}
}

// TestH1MaxConns: with max_conns, requests beyond the cap wait for a
// connection instead of opening more, and a waiter whose request ends
// leaves the queue.
func TestH1MaxConns(t *testing.T) {
	release := make(chan struct{})
	base, conns := scriptedUpstream(t, func(r *http.Request, c net.Conn) {
		if r.URL.Path == "/slow" {
			<-release
		}
		answerText(c, "answer to "+r.URL.Path)
	})
	tr := newTestH1(TransportOptions{MaxConns: 1})
	defer tr.CloseIdleConnections()
	first := make(chan string)
	go func() {
		_, body := get(t, tr, "GET", base+"/slow", nil)
		first <- body
	}()
	for conns.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	// A waiter that gives up leaves without taking a place.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/gives-up", nil)
	if _, err := tr.RoundTrip(req); err != context.DeadlineExceeded {
		t.Fatalf("waiter at the cap: %v; want its deadline", err)
	}
	second := make(chan string)
	go func() {
		_, body := get(t, tr, "GET", base+"/second", nil)
		second <- body
	}()
	close(release)
	if b := <-first; b != "answer to /slow" {
		t.Fatalf("first: %q", b)
	}
	if b := <-second; b != "answer to /second" {
		t.Fatalf("second: %q", b)
	}
	if conns.Load() != 1 {
		t.Fatalf("%d connections under max_conns 1", conns.Load())
	}
}

// TestH1TransferEncodingWithContentLength: a response with both is read
// as chunked and its connection closed (RFC 9112, 6.3); a chunked one
// alone keeps its connection.
func TestH1TransferEncodingWithContentLength(t *testing.T) {
	for _, tc := range []struct {
		name      string
		head      string
		wantConns int64
	}{
		{"chunked only", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 1},
		{"chunked and Content-Length", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\ncontent-LENGTH: 99\r\n\r\n", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base, conns := scriptedUpstream(t, func(r *http.Request, c net.Conn) {
				io.WriteString(c, tc.head+"2\r\nok\r\n0\r\n\r\n")
			})
			tr := newTestH1(TransportOptions{})
			defer tr.CloseIdleConnections()
			for range 2 {
				if _, body := get(t, tr, "GET", base+"/", nil); body != "ok" {
					t.Fatalf("body %q; want ok", body)
				}
			}
			if conns.Load() != tc.wantConns {
				t.Fatalf("%d connections for two requests; want %d", conns.Load(), tc.wantConns)
			}
		})
	}
}

// TestH1SettleScalesWithAnswerTime: a slow service that answers a POST
// without reading its body, and answers the body (parsed as a request)
// later still, is caught by a rest that scales with its answer time.
func TestH1SettleScalesWithAnswerTime(t *testing.T) {
	base, _ := scriptedUpstream(t, func(r *http.Request, c net.Conn) {
		switch r.URL.Path {
		case "/secret":
			time.Sleep(15 * time.Millisecond) // after the real answer, later than the least rest
			answerText(c, "SECRET")
		default:
			time.Sleep(10 * time.Millisecond)
			answerText(c, "answer to "+r.URL.Path)
		}
	})
	// One connection at a time, so the next request waits for the resting
	// one instead of dialling its own.
	tr := newTestH1(TransportOptions{MaxConns: 1})
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest("POST", base+"/public", strings.NewReader("GET /secret HTTP/1.1\r\nHost: x\r\n\r\n"))
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	// Ask again at once, and keep asking while the connection rests:
	// no answer may be the secret.
	for i := range 8 {
		path := fmt.Sprintf("/next%d", i)
		if _, body := get(t, tr, "GET", base+path, nil); body != "answer to "+path {
			t.Fatalf("request %d after the POST got %q; want its own answer", i, body)
		}
	}
}

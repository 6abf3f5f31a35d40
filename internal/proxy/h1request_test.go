package proxy

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func writeWith(t testing.TB, req *http.Request, write func(*bufio.Writer, *http.Request) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	if err := write(bw, req); err != nil {
		t.Fatalf("write: %v", err)
	}
	bw.Flush() // cannot fail on a bytes.Buffer
	return buf.Bytes()
}

func reqWrite(bw *bufio.Writer, r *http.Request) error { return r.Write(bw) }

// readOne parses one request with its body and fails if any byte is left
// over: a second request on the wire would mean a header or body escaped.
func readOne(t testing.TB, wire []byte) (*http.Request, []byte) {
	t.Helper()
	rd := bytes.NewReader(wire)
	br := bufio.NewReader(rd)
	r, err := http.ReadRequest(br)
	if err != nil {
		t.Fatalf("ReadRequest: %v\n%q", err, wire)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatalf("read body: %v\n%q", err, wire)
	}
	if n := br.Buffered() + rd.Len(); n > 0 {
		t.Fatalf("%d bytes left after the request\n%q", n, wire)
	}
	return r, body
}

func newReq(method, url string, body io.Reader) *http.Request {
	r, err := http.NewRequest(method, url, body)
	if err != nil {
		panic(err)
	}
	return r
}

func TestWriteRequestMatchesReqWrite(t *testing.T) {
	const u = "http://example.com/"
	cases := []struct {
		name, method, url, body string
		chunked                 bool // body of unknown length
		mod                     func(r *http.Request)
		check                   func(g *http.Request) bool // beyond matching req.Write
	}{
		{name: "get", method: "GET", url: u},
		{name: "query", method: "GET", url: u + "s?q=a%20b&x=1"},
		{name: "force query", method: "GET", url: u + "p?", mod: func(r *http.Request) { r.URL.ForceQuery = true },
			check: func(g *http.Request) bool { return g.RequestURI == "/p?" }},
		{name: "escaped path", method: "GET", url: u, mod: func(r *http.Request) { r.URL.Path, r.URL.RawPath = "/a b/ü", "" },
			check: func(g *http.Request) bool { return g.URL.Path == "/a b/ü" }},
		{name: "post length", method: "POST", url: u, body: "hello"},
		{name: "post empty", method: "POST", url: u, // servers want a length on POST
			check: func(g *http.Request) bool { return reflect.DeepEqual(g.Header["Content-Length"], []string{"0"}) }},
		{name: "put chunked", method: "PUT", url: u, body: "chunked body", chunked: true,
			check: func(g *http.Request) bool { return reflect.DeepEqual(g.TransferEncoding, []string{"chunked"}) }},
		{name: "multi value", method: "GET", url: u, mod: func(r *http.Request) {
			r.Header["X-Multi"] = []string{"c", "a", "b"}
			r.Header.Set("Accept", "*/*")
		}, check: func(g *http.Request) bool { return reflect.DeepEqual(g.Header["X-Multi"], []string{"c", "a", "b"}) }},
		{name: "user agent set", method: "GET", url: u, mod: func(r *http.Request) { r.Header.Set("User-Agent", "gh/1") }},
		{name: "user agent empty", method: "GET", url: u, mod: func(r *http.Request) { r.Header.Set("User-Agent", "") },
			check: func(g *http.Request) bool { _, ok := g.Header["User-Agent"]; return !ok }},
		{name: "close", method: "GET", url: u, mod: func(r *http.Request) { r.Close = true },
			check: func(g *http.Request) bool { return g.Close && g.Header.Get("Connection") == "close" }},
		{name: "trailer", method: "POST", url: u, body: "data", chunked: true, mod: func(r *http.Request) {
			r.Trailer = http.Header{"X-Sum": {"42"}}
			r.Header.Set("User-Agent", "ua") // the req.Write fallback would add Go's
		}, check: func(g *http.Request) bool { return g.Trailer.Get("X-Sum") == "42" }},
		{name: "req.Host wins", method: "GET", url: "http://10.0.0.1:8080/", mod: func(r *http.Request) { r.Host = "public.example" },
			check: func(g *http.Request) bool { return g.Host == "public.example" }},
		{name: "URL.Host", method: "GET", url: "http://10.0.0.1:8080/", mod: func(r *http.Request) { r.Host = "" },
			check: func(g *http.Request) bool { return g.Host == "10.0.0.1:8080" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mk := func() *http.Request {
				var body io.Reader
				if tc.body != "" {
					body = strings.NewReader(tc.body)
				}
				r := newReq(tc.method, tc.url, body)
				if tc.chunked {
					r.Body, r.ContentLength = io.NopCloser(body), -1
				}
				if tc.mod != nil {
					tc.mod(r)
				}
				return r
			}
			got, gotBody := readOne(t, writeWith(t, mk(), writeRequest))
			want, wantBody := readOne(t, writeWith(t, mk(), reqWrite))
			if _, set := mk().Header["User-Agent"]; !set {
				// Known difference: req.Write adds Go's default; writeRequest
				// adds none (the reverse proxy always sets the field anyway).
				if _, ok := got.Header["User-Agent"]; ok {
					t.Errorf("User-Agent sent though none was set: %q", got.Header["User-Agent"])
				}
				delete(want.Header, "User-Agent")
			}
			if got.Method != want.Method || got.RequestURI != want.RequestURI || got.Host != want.Host {
				t.Errorf("got %s %s Host %s, want %s %s Host %s",
					got.Method, got.RequestURI, got.Host, want.Method, want.RequestURI, want.Host)
			}
			if !reflect.DeepEqual(got.Header, want.Header) {
				t.Errorf("header\n got %v\nwant %v", got.Header, want.Header)
			}
			if got.ContentLength != want.ContentLength || !reflect.DeepEqual(got.TransferEncoding, want.TransferEncoding) {
				t.Errorf("length %d %q, want %d %q", got.ContentLength, got.TransferEncoding, want.ContentLength, want.TransferEncoding)
			}
			if !bytes.Equal(gotBody, wantBody) || !reflect.DeepEqual(got.Trailer, want.Trailer) {
				t.Errorf("body %q trailer %v, want %q %v", gotBody, got.Trailer, wantBody, want.Trailer)
			}
			if tc.check != nil && !tc.check(got) {
				t.Errorf("check failed: %s %s Host %s %v close=%v TE=%q trailer=%v",
					got.Method, got.RequestURI, got.Host, got.Header, got.Close, got.TransferEncoding, got.Trailer)
			}
		})
	}
}

// A CR or LF in a value must never end the field: each becomes a space
// and the value is trimmed, as net/http does.
func TestWriteRequestSanitisesValues(t *testing.T) {
	cases := map[string]string{
		"a\r\nX-Injected: 1":                     "a  X-Injected: 1",
		"a\nX-Injected: 1":                       "a X-Injected: 1",
		"a\rX-Injected: 1":                       "a X-Injected: 1",
		"a\r\n\r\nGET /x HTTP/1.1\r\nX-Injected": "a    GET /x HTTP/1.1  X-Injected",
		"\r\nX-Injected: 1\r\n":                  "X-Injected: 1",
		" \t padded \t ":                         "padded",
	}
	for in, want := range cases {
		for _, name := range []string{"X-Test", "User-Agent"} {
			req := newReq("GET", "http://example.com/", nil)
			req.Header.Set(name, in)
			wire := writeWith(t, req, writeRequest)
			// The parser trims too, so look at the wire for the trimming.
			if !bytes.Contains(wire, []byte("\r\n"+name+": "+want+"\r\n")) {
				t.Errorf("%s %q: field not sanitised on the wire: %q", name, in, wire)
			}
			got, _ := readOne(t, wire)
			if _, ok := got.Header["X-Injected"]; ok {
				t.Errorf("%s %q: injected header arrived", name, in)
			}
			if v := got.Header[name]; !reflect.DeepEqual(v, []string{want}) {
				t.Errorf("%s %q: got %q, want [%q]", name, in, v, want)
			}
		}
	}
}

func TestWriteRequestErrors(t *testing.T) {
	var mods []func(r *http.Request)
	for _, k := range []string{"Bad Name", "X:Y", "", "X\r\nY", "X-\x00"} {
		mods = append(mods, func(r *http.Request) { r.Header[k] = []string{"v"} })
	}
	for _, h := range []string{"a b", "a\rb", "a\r\nX-Injected: 1", "a/b", ""} {
		mods = append(mods, func(r *http.Request) { r.Host, r.URL.Host = h, h })
	}
	mods = append(mods, func(r *http.Request) { // body shorter than its length
		r.Method, r.Body, r.ContentLength = "POST", io.NopCloser(strings.NewReader("short")), 10
	})
	mods = append(mods, func(r *http.Request) { // body longer than its length
		r.Method, r.Body, r.ContentLength = "POST", io.NopCloser(strings.NewReader("0123456789")), 4
	})
	for _, mod := range mods {
		r := newReq("GET", "http://example.com/", nil)
		mod(r)
		if err := writeRequest(bufio.NewWriter(io.Discard), r); err == nil {
			t.Errorf("no error: Host %q header %q length %d", r.Host, r.Header, r.ContentLength)
		}
	}
}

// observedWriter lets the test see what reached the wire while
// writeRequest is still running.
type observedWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *observedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *observedWriter) has(s string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return bytes.Contains(w.buf.Bytes(), []byte(s))
}

// A streamed upload must not sit in the connection's buffer: each chunk
// reaches the wire while the body is still open.
func TestWriteRequestFlushesChunks(t *testing.T) {
	ow := &observedWriter{}
	pr, pw := io.Pipe()
	req := newReq("PUT", "http://example.com/", pr)
	req.ContentLength = -1
	bw := bufio.NewWriterSize(ow, 64<<10)
	done := make(chan error, 1)
	go func() { done <- writeRequest(bw, req) }()
	deadline := time.Now().Add(5 * time.Second) // a bound, not a speed check
	for _, piece := range []string{"first-piece", "second-piece"} {
		if _, err := pw.Write([]byte(piece)); err != nil {
			t.Fatal(err)
		}
		for !ow.has(piece) {
			if time.Now().After(deadline) {
				t.Fatalf("%q not on the wire while the body is open", piece)
			}
			time.Sleep(time.Millisecond)
		}
	}
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	bw.Flush()
	if _, body := readOne(t, ow.buf.Bytes()); string(body) != "first-piecesecond-piece" {
		t.Fatalf("body = %q", body)
	}
}

func isToken(s string) bool {
	return s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return r <= ' ' || r >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r)
	})
}

func FuzzWriteRequest(f *testing.F) {
	f.Add("/", "X-Test", "v", []byte("body"))
	f.Add("/a b/ü?q=1", "X-Test", "a\r\nX-Injected: 1", []byte{})
	f.Add("/", "X:Y", "v", []byte("\x01chunked"))
	f.Add("/", "Bad Name", "a\r\n\r\nGET / HTTP/1.1", []byte(nil))
	f.Add("/\x00", "X-\x00", "a\x00b", []byte("\x00\x00"))
	f.Add("/", "User-Agent", "", []byte("\x03"))
	f.Add("/", "content-length", "999", []byte("abc"))
	f.Add("/long", "X-Long", strings.Repeat("v", 64<<10), bytes.Repeat([]byte("b"), 64<<10))
	f.Fuzz(func(t *testing.T, path, name, value string, body []byte) {
		req, err := http.NewRequest("POST", "http://example.com"+path, bytes.NewReader(body))
		// A space in the query goes on the wire raw, as with req.Write.
		if !strings.HasPrefix(path, "/") || err != nil || strings.Contains(req.URL.RawQuery, " ") {
			t.Skip()
		}
		chunked := len(body) > 0 && body[0]&1 == 1
		if chunked {
			req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(body)), -1
		}
		req.Header.Add(name, value)
		key := http.CanonicalHeaderKey(name)
		var buf bytes.Buffer
		bw := bufio.NewWriter(&buf)
		if err := writeRequest(bw, req); err != nil {
			if isToken(name) {
				t.Fatalf("valid name %q: %v", name, err)
			}
			return
		}
		if !isToken(name) {
			t.Fatalf("invalid name %q accepted", name)
		}
		bw.Flush()
		want := strings.Trim(strings.NewReplacer("\r", " ", "\n", " ").Replace(value), " \t")
		// Other control bytes pass through, as with req.Write, and the
		// parser rejects them; they cannot start a new line.
		if strings.ContainsFunc(want, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
			return
		}
		got, gotBody := readOne(t, buf.Bytes())
		if !bytes.Equal(gotBody, body) || got.Host != "example.com" || got.RequestURI != req.URL.RequestURI() {
			t.Fatalf("got %s Host %s body %q", got.RequestURI, got.Host, gotBody)
		}
		if wantLen := int64(len(body)); chunked && got.ContentLength != -1 || !chunked && got.ContentLength != wantLen {
			t.Fatalf("ContentLength = %d, chunked %v, body %d", got.ContentLength, chunked, len(body))
		}
		for k := range got.Header {
			if k != key && k != "Host" && k != "Content-Length" && (k != "Cache-Control" || key != "Pragma") {
				t.Fatalf("unexpected header %q: %q", k, got.Header[k])
			}
		}
		switch {
		case key == "Host" || key == "Content-Length" || key == "Transfer-Encoding" || key == "Trailer":
		case key == "User-Agent" && value == "":
			if _, ok := got.Header[key]; ok {
				t.Fatal("empty User-Agent sent")
			}
		default:
			if v := got.Header[key]; !reflect.DeepEqual(v, []string{want}) {
				t.Fatalf("%s = %q, want [%q]", key, v, want)
			}
		}
	})
}

// closeCounter records that the writer closed the body it was given.
type closeCounter struct {
	io.Reader
	closed bool
}

func (c *closeCounter) Close() error { c.closed = true; return nil }

// TestWriteRequestClosesBodyOnError: a request refused before its body is
// sent still has its body closed, as a RoundTripper must.
func TestWriteRequestClosesBodyOnError(t *testing.T) {
	body := &closeCounter{Reader: strings.NewReader("x")}
	r := newReq("POST", "http://example.com/", nil)
	r.Body, r.ContentLength = body, 1
	r.Header["Bad Name"] = []string{"v"}
	if err := writeRequest(bufio.NewWriter(io.Discard), r); err == nil || !body.closed {
		t.Fatalf("err %v, body closed %v; want an error and the body closed", err, body.closed)
	}
}

// TestWriteRequestHeadBeforeBody: the request head reaches the wire
// before any body byte is read, so the service can answer early.
func TestWriteRequestHeadBeforeBody(t *testing.T) {
	for _, length := range []int64{5, -1} {
		ow := &observedWriter{}
		pr, pw := io.Pipe()
		req := newReq("POST", "http://example.com/up", pr)
		req.ContentLength = length
		bw := bufio.NewWriterSize(ow, 64<<10)
		done := make(chan error, 1)
		go func() { done <- writeRequest(bw, req) }()
		deadline := time.Now().Add(5 * time.Second) // a bound, not a speed check
		for !ow.has("POST /up HTTP/1.1") {
			if time.Now().After(deadline) {
				t.Fatalf("length %d: head not on the wire before the body", length)
			}
			time.Sleep(time.Millisecond)
		}
		pw.Write([]byte("hello"))
		pw.Close()
		if err := <-done; err != nil {
			t.Fatalf("length %d: %v", length, err)
		}
	}
}

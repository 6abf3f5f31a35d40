package e2e

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	bin "encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// wsFrame is one WebSocket frame (RFC 6455 §5.2), FIN always set.
type wsFrame struct {
	opcode  byte
	payload []byte
}

const (
	wsText   = 0x1
	wsBinary = 0x2
	wsClose  = 0x8
)

// writeWSFrame writes f; clients must mask (mask != nil), servers must not.
func writeWSFrame(w io.Writer, f wsFrame, mask []byte) error {
	var hdr []byte
	hdr = append(hdr, 0x80|f.opcode)
	maskBit := byte(0)
	if mask != nil {
		maskBit = 0x80
	}
	switch n := len(f.payload); {
	case n < 126:
		hdr = append(hdr, maskBit|byte(n))
	case n <= 0xffff:
		hdr = append(hdr, maskBit|126)
		hdr = bin.BigEndian.AppendUint16(hdr, uint16(n))
	default:
		hdr = append(hdr, maskBit|127)
		hdr = bin.BigEndian.AppendUint64(hdr, uint64(n))
	}
	p := f.payload
	if mask != nil {
		hdr = append(hdr, mask...)
		p = make([]byte, len(f.payload))
		for i := range p {
			p[i] = f.payload[i] ^ mask[i%4]
		}
	}
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	_, err := w.Write(p)
	return err
}

// readWSFrame reads one frame and unmasks it; masked says whether it was.
func readWSFrame(r io.Reader) (f wsFrame, masked bool, err error) {
	var h [2]byte
	if _, err = io.ReadFull(r, h[:]); err != nil {
		return
	}
	f.opcode = h[0] & 0x0f
	masked = h[1]&0x80 != 0
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		if _, err = io.ReadFull(r, b[:]); err != nil {
			return
		}
		n = uint64(bin.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err = io.ReadFull(r, b[:]); err != nil {
			return
		}
		n = bin.BigEndian.Uint64(b[:])
	}
	if n > 1<<20 {
		return f, masked, fmt.Errorf("frame of %d bytes is too large for this test", n)
	}
	var mask [4]byte
	if masked {
		if _, err = io.ReadFull(r, mask[:]); err != nil {
			return
		}
	}
	f.payload = make([]byte, n)
	if _, err = io.ReadFull(r, f.payload); err != nil {
		return
	}
	if masked {
		for i := range f.payload {
			f.payload[i] ^= mask[i%4]
		}
	}
	return f, masked, nil
}

func wsAccept(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC11B65"))
	return base64.StdEncoding.EncodeToString(h[:])
}

// wsEchoUpstream completes the handshake from the key it received, greets
// the client first (upstream-to-client without a prompt), then echoes
// every frame, reporting whether client frames arrived masked.
func wsEchoUpstream(t *testing.T, unmasked chan<- struct{}) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Sec-WebSocket-Key")
		if r.Header.Get("Upgrade") != "websocket" || key == "" || r.Header.Get("Sec-WebSocket-Version") != "13" {
			http.Error(w, "not a websocket handshake", http.StatusBadRequest)
			return
		}
		conn, brw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		fmt.Fprintf(brw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", wsAccept(key))
		writeWSFrame(brw, wsFrame{wsText, []byte("welcome " + r.URL.Path)}, nil)
		brw.Flush()
		for {
			f, masked, err := readWSFrame(brw)
			if err != nil {
				return
			}
			if !masked {
				select {
				case unmasked <- struct{}{}:
				default:
				}
			}
			writeWSFrame(brw, f, nil)
			brw.Flush()
			if f.opcode == wsClose {
				return
			}
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// wsHandshake opens a connection to the gateway and sends a WebSocket
// handshake for path with key, plus extra header lines (Connection
// included). It returns the connection, its reader and the response head.
func wsHandshake(t *testing.T, g *gw, path, key, extra string) (net.Conn, *bufio.Reader, *http.Response) {
	t.Helper()
	c, err := net.DialTimeout("tcp", g.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: gw.test\r\nUpgrade: websocket\r\n%s"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", path, extra, key)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c, br, resp
}

// TestWebSocketFramesBothWays: a hand-written handshake through the
// gateway, the upstream speaking first, then text, a 16-bit-length and a
// 64-bit-length binary frame echoed intact, and a clean close.
func TestWebSocketFramesBothWays(t *testing.T) {
	unmasked := make(chan struct{}, 1)
	up := wsEchoUpstream(t, unmasked)
	g := startGateway(t, streamRoute(up.URL), nil)

	const key = "x3JJHMbDL1EzLkh9GBhXDw=="
	c, br, resp := wsHandshake(t, g, "/chat/room1", key, "Connection: keep-alive, Upgrade\r\nOrigin: http://gw.test\r\n")
	if resp.StatusCode != http.StatusSwitchingProtocols {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("handshake status %d (%s); want 101", resp.StatusCode, b)
	}
	if got, want := resp.Header.Get("Sec-WebSocket-Accept"), wsAccept(key); got != want {
		t.Fatalf("Sec-WebSocket-Accept %q; want %q (the key must reach the upstream unchanged)", got, want)
	}
	if resp.Header.Get("Upgrade") != "websocket" {
		t.Fatalf("Upgrade %q; want websocket", resp.Header.Get("Upgrade"))
	}

	// Upstream to client, unprompted.
	f, masked, err := readWSFrame(br)
	if err != nil || f.opcode != wsText || string(f.payload) != "welcome /chat/room1" || masked {
		t.Fatalf("greeting: %d %q masked=%v, %v; want an unmasked text frame \"welcome /chat/room1\"", f.opcode, f.payload, masked, err)
	}

	big := make([]byte, 70000)
	for i := range big {
		big[i] = byte(i * 31)
	}
	cases := []struct {
		name  string
		frame wsFrame
	}{
		{"text", wsFrame{wsText, []byte("hello, gateway")}},
		{"empty text", wsFrame{wsText, nil}},
		{"binary with a 16-bit length", wsFrame{wsBinary, big[:300]}},
		{"binary with a 64-bit length", wsFrame{wsBinary, big}},
		{"close", wsFrame{wsClose, []byte{0x03, 0xe8}}}, // 1000: normal closure
	}
	for i, cs := range cases {
		t.Run(cs.name, func(t *testing.T) {
			if err := writeWSFrame(c, cs.frame, []byte{byte(i), 0x5a, 0xa5, 0xff}); err != nil {
				t.Fatal(err)
			}
			got, masked, err := readWSFrame(br)
			if err != nil {
				t.Fatal(err)
			}
			if got.opcode != cs.frame.opcode || !bytes.Equal(got.payload, cs.frame.payload) || masked {
				t.Fatalf("echo: opcode %d, %d bytes, masked=%v; want opcode %d, the same %d bytes, unmasked",
					got.opcode, len(got.payload), masked, cs.frame.opcode, len(cs.frame.payload))
			}
		})
	}
	select {
	case <-unmasked:
		t.Fatal("a client frame reached the upstream unmasked: the gateway rewrote the stream")
	default:
	}
	// After the close the upstream hangs up; the gateway must close too.
	if n, err := br.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("after close: read %d bytes, %v; want EOF", n, err)
	}
}

// TestWebSocketRefusedUpgradeIsPlainHTTP: an upstream that declines the
// upgrade answers as ordinary HTTP through the gateway.
func TestWebSocketRefusedUpgradeIsPlainHTTP(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, "no sockets here")
	}))
	t.Cleanup(up.Close)
	g := startGateway(t, streamRoute(up.URL), nil)
	code, body := g.raw("GET /ws HTTP/1.1\r\nHost: gw.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	if code != http.StatusForbidden || body != "no sockets here" {
		t.Fatalf("got %d %q; want 403 \"no sockets here\"", code, body)
	}
}

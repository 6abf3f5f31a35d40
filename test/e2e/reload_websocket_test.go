package e2e

import (
	"io"
	"net/http"
	"testing"
)

// TestReloadKeepsWebSocket: an open WebSocket stays up, both ways,
// across reloads, including one that sends its route to another service;
// new requests follow the new config at once.
func TestReloadKeepsWebSocket(t *testing.T) {
	up := wsEchoUpstream(t, make(chan struct{}, 1))
	other := echoServer(t, "other service")
	g := startGateway(t, string(reloadConfig(up.URL, "")), nil)

	c, br, resp := wsHandshake(t, g, "/api/ws", "dGhlIHNhbXBsZSBub25jZQ==", "Connection: Upgrade\r\n")
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %d; want 101", resp.StatusCode)
	}
	if f, _, err := readWSFrame(br); err != nil || string(f.payload) != "welcome /api/ws" {
		t.Fatalf("greeting: %q %v", f.payload, err)
	}
	echo := func(msg string) {
		t.Helper()
		if err := writeWSFrame(c, wsFrame{wsText, []byte(msg)}, []byte{1, 2, 3, 4}); err != nil {
			t.Fatalf("send %q: %v", msg, err)
		}
		if f, _, err := readWSFrame(br); err != nil || string(f.payload) != msg {
			t.Fatalf("echo of %q: %q %v (the socket did not survive the reload)", msg, f.payload, err)
		}
	}
	echo("before")

	extra := "  - name: extra\n    match: {path: /extra}\n    service: echo\n"
	if err := g.g.ReloadBytes(reloadConfig(up.URL, extra)); err != nil {
		t.Fatalf("reload: %v", err)
	}
	echo("after a reload that keeps the service")

	// The route now leads elsewhere; the open socket keeps its upstream.
	if err := g.g.ReloadBytes(reloadConfig(other.URL, "")); err != nil {
		t.Fatalf("reload: %v", err)
	}
	echo("after a reload that moves the route")
	if resp, body := g.do("GET", "/api/plain", nil); resp.StatusCode != http.StatusOK || parseSeen(t, body).Name != "other service" {
		t.Fatalf("new request after the reload: %d %q; want the new service", resp.StatusCode, body)
	}
	echo("still open")

	if err := writeWSFrame(c, wsFrame{wsClose, []byte{0x03, 0xe8}}, []byte{5, 6, 7, 8}); err != nil {
		t.Fatal(err)
	}
	if f, _, err := readWSFrame(br); err != nil || f.opcode != wsClose {
		t.Fatalf("close echo: %d %v", f.opcode, err)
	}
	if _, err := br.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("after close: %v; want EOF", err)
	}
}

package e2e

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// TestH2ExtendedConnectNotOffered: WebSocket over HTTP/2 (RFC 8441) is not
// offered (docs/design.md says why): the listener does not announce
// SETTINGS_ENABLE_CONNECT_PROTOCOL, and a CONNECT with :protocol is reset
// as malformed, so the service never sees it and clients use WebSocket
// over HTTP/1.1.
func TestH2ExtendedConnectNotOffered(t *testing.T) {
	svc, seen := slowService(t)
	g := startGateway(t, floodConfig, map[string]string{"SVC": svc.URL})
	c, err := net.Dial("tcp", g.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	bw := bufio.NewWriter(c)
	fr := http2.NewFramer(bw, c)
	io.WriteString(bw, http2.ClientPreface)
	fr.WriteSettings()
	var block bytes.Buffer
	e := hpack.NewEncoder(&block)
	for _, f := range [][2]string{{":method", "CONNECT"}, {":protocol", "websocket"}, {":scheme", "http"},
		{":path", "/slow"}, {":authority", "gw.test"}, {"sec-websocket-version", "13"}} {
		e.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block.Bytes(), EndHeaders: true})
	bw.Flush()

	var reset *http2.RSTStreamFrame
	for reset == nil {
		f, err := fr.ReadFrame()
		if err != nil {
			t.Fatalf("reading frames: %v (want RST_STREAM on stream 1)", err)
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if v, ok := f.Value(http2.SettingEnableConnectProtocol); ok && v == 1 {
				t.Error("SETTINGS_ENABLE_CONNECT_PROTOCOL announced; docs say extended CONNECT is not offered")
			}
			if !f.IsAck() {
				fr.WriteSettingsAck()
				bw.Flush()
			}
		case *http2.HeadersFrame:
			t.Fatalf("got a response on stream %d; want the stream reset", f.StreamID)
		case *http2.RSTStreamFrame:
			reset = f
		}
	}
	if reset.StreamID != 1 || reset.ErrCode != http2.ErrCodeProtocol {
		t.Errorf("RST_STREAM stream %d %v; want stream 1 PROTOCOL_ERROR", reset.StreamID, reset.ErrCode)
	}
	if n := seen.Load(); n != 0 {
		t.Errorf("service saw %d requests; want 0", n)
	}
}

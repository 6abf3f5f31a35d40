package e2e

import (
	"bytes"
	"encoding/base64"
	bin "encoding/binary"
	"net/http"
	"strings"
	"testing"

	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/protobuf/proto"
)

// grpcFrame is one length-prefixed gRPC message (or, with flag 0x80, a
// gRPC-Web trailer block).
type grpcFrame struct {
	flag byte
	data []byte
}

func frame(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]byte, 5, 5+len(b))
	bin.BigEndian.PutUint32(out[1:], uint32(len(b)))
	return append(out, b...)
}

func parseFrames(t *testing.T, b []byte) []grpcFrame {
	t.Helper()
	var out []grpcFrame
	for len(b) > 0 {
		if len(b) < 5 {
			t.Fatalf("truncated frame header % x", b)
		}
		n := bin.BigEndian.Uint32(b[1:5])
		if uint32(len(b)-5) < n {
			t.Fatalf("frame of %d bytes, %d left", n, len(b)-5)
		}
		out = append(out, grpcFrame{flag: b[0], data: b[5 : 5+n]})
		b = b[5+n:]
	}
	return out
}

// TestGRPCWeb: a browser's gRPC-Web calls, binary and base64 text, over
// HTTP/1.1, reach a grpc-go server as gRPC; the answer comes back with
// the trailers in the body. Without grpc_web the route passes the call on
// untranslated, which the gRPC server refuses.
func TestGRPCWeb(t *testing.T) {
	be := startGRPCBackend(t, "web")
	g := startGateway(t, `
services:
  - {name: grpc, protocol: h2c, targets: [{url: "http://${GRPC}"}]}
routes:
  - {match: {path_prefix: /grpc.testing.TestService/}, service: grpc, grpc_web: true}
  - {match: {path_prefix: /plain/}, service: grpc, strip_prefix: /plain}
`, map[string]string{"GRPC": be.addr})

	req := frame(t, &testpb.SimpleRequest{Payload: &testpb.Payload{Body: []byte("hello browser")}})
	for _, tc := range []struct {
		ct   string
		text bool
	}{
		{"application/grpc-web+proto", false},
		{"application/grpc-web", false},
		{"application/grpc-web-text", true},
		{"application/grpc-web-text+proto", true},
	} {
		t.Run(tc.ct, func(t *testing.T) {
			body := req
			if tc.text {
				body = []byte(base64.StdEncoding.EncodeToString(req))
			}
			res, got := g.do(http.MethodPost, "/grpc.testing.TestService/UnaryCall", bytes.NewReader(body),
				"Content-Type", tc.ct, "X-Grpc-Web", "1", "X-User-Agent", "grpc-web-javascript/0.1")
			if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != tc.ct {
				t.Fatalf("HTTP %d %q; want 200 %q", res.StatusCode, res.Header.Get("Content-Type"), tc.ct)
			}
			raw := []byte(got)
			if tc.text {
				raw = decodePaddedBase64(t, got)
			}
			frames := parseFrames(t, raw)
			if len(frames) != 2 || frames[0].flag != 0 || frames[1].flag != 0x80 {
				t.Fatalf("frames %+v; want a message and a trailer frame", frames)
			}
			var m testpb.SimpleResponse
			if err := proto.Unmarshal(frames[0].data, &m); err != nil {
				t.Fatal(err)
			}
			if string(m.GetPayload().GetBody()) != "hello browser" || m.GetUsername() != "web" {
				t.Errorf("answer %q from %q", m.GetPayload().GetBody(), m.GetUsername())
			}
			tr := string(frames[1].data)
			if !strings.Contains(tr, "grpc-status: 0\r\n") || !strings.Contains(tr, "x-trailer: done-web\r\n") {
				t.Errorf("trailer frame %q lacks grpc-status 0 and x-trailer", tr)
			}
			if res.Header.Get("X-Backend") != "web" {
				t.Errorf("header x-backend %q; want web", res.Header.Get("X-Backend"))
			}
		})
	}

	t.Run("gateway errors as status", func(t *testing.T) {
		res, body := g.do(http.MethodPost, "/nowhere.Service/Method", bytes.NewReader(req), "Content-Type", "application/grpc-web-text")
		if res.StatusCode != http.StatusOK || res.Header.Get("Grpc-Status") != "12" || body != "" {
			t.Errorf("no route: HTTP %d grpc-status %q body %q; want 200, 12 and no body", res.StatusCode, res.Header.Get("Grpc-Status"), body)
		}
		// Not base64: the client's fault, not the service's.
		res, _ = g.do(http.MethodPost, "/grpc.testing.TestService/UnaryCall", strings.NewReader("*not base64*"), "Content-Type", "application/grpc-web-text")
		if got := res.Header.Get("Grpc-Status"); got != "13" {
			t.Errorf("bad base64: grpc-status %q; want 13 (INTERNAL)", got)
		}
	})

	t.Run("off on other routes", func(t *testing.T) {
		res, _ := g.do(http.MethodPost, "/plain/grpc.testing.TestService/UnaryCall", bytes.NewReader(req), "Content-Type", "application/grpc-web+proto")
		// grpc-go refuses a content type it does not know.
		if res.StatusCode != http.StatusUnsupportedMediaType {
			t.Errorf("untranslated: HTTP %d %v; want the service's 415", res.StatusCode, res.Header)
		}
	})
}

// decodePaddedBase64 decodes concatenated, each padded, base64 chunks.
func decodePaddedBase64(t *testing.T, s string) []byte {
	t.Helper()
	var out []byte
	for len(s) > 0 {
		n := 4
		for n < len(s) && s[n-1] != '=' {
			n += 4
		}
		n = min(n, len(s))
		b, err := base64.StdEncoding.DecodeString(s[:n])
		if err != nil {
			t.Fatalf("base64 %q: %v", s, err)
		}
		out = append(out, b...)
		s = s[n:]
	}
	return out
}

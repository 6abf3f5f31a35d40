package proxy

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestParseGRPCTimeout(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"1H": time.Hour, "2M": 2 * time.Minute, "3S": 3 * time.Second, "200m": 200 * time.Millisecond,
		"5u": 5 * time.Microsecond, "7n": 7, "99999999S": 99999999 * time.Second, "0m": 0,
	} {
		if got, ok := parseGRPCTimeout([]string{in}); !ok || got != want {
			t.Errorf("%q: %v %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "S", "1", "1s", "1x", "-1S", "+1S", "123456789S", "1.5S", " 1S"} {
		if d, ok := parseGRPCTimeout([]string{in}); ok {
			t.Errorf("%q: accepted as %v; want refused", in, d)
		}
	}
}

func FuzzParseGRPCTimeout(f *testing.F) {
	for _, s := range []string{"1H", "200m", "99999999n", "", "-1S", "1e3S"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := parseGRPCTimeout([]string{s})
		if ok && (d < 0 || len(s) > 9) {
			t.Fatalf("%q: %v accepted", s, d)
		}
	})
}

func TestBase64BodyTakesPaddedChunks(t *testing.T) {
	msg := []byte("\x00\x00\x00\x00\x07abcdefg\x00\x00\x00\x00\x01z")
	enc := base64.StdEncoding.EncodeToString(msg[:4]) + base64.StdEncoding.EncodeToString(msg[4:11]) + "\r\n" + base64.StdEncoding.EncodeToString(msg[11:])
	got, err := io.ReadAll(&base64Body{src: iotestHalf(strings.NewReader(enc))})
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("%q %v; want %q", got, err, msg)
	}
	if _, err := io.ReadAll(&base64Body{src: strings.NewReader("QUJD*")}); err == nil {
		t.Error("bad base64 read without error")
	}
	if _, err := io.ReadAll(&base64Body{src: strings.NewReader("QUJDR")}); err != io.ErrUnexpectedEOF {
		t.Errorf("truncated quantum: %v; want unexpected EOF", err)
	}
}

func FuzzBase64Body(f *testing.F) {
	for _, s := range []string{"", "QUJD", "QQ==QQ==", "QUJD\r\nRA==", "!!!!", "QQ"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := io.ReadAll(&base64Body{src: bytes.NewReader(in)})
		if err != nil {
			return
		}
		// What decodes must be what the standard decoder makes of the
		// input's padded chunks, and never more than 3/4 of it.
		if len(got) > len(in)*3/4 {
			t.Fatalf("%q decoded to %d bytes", in, len(got))
		}
	})
}

// iotestHalf reads at most 3 bytes at a time, splitting quanta.
func iotestHalf(r io.Reader) io.Reader { return &smallReader{r} }

type smallReader struct{ r io.Reader }

func (s *smallReader) Read(p []byte) (int, error) { return s.r.Read(p[:min(len(p), 3)]) }

func TestGRPCWebWriterTrailerFrame(t *testing.T) {
	for _, text := range []bool{false, true} {
		rec := httptest.NewRecorder()
		ct := "application/grpc-web+proto"
		if text {
			ct = "application/grpc-web-text+proto"
		}
		w := &grpcWebWriter{ResponseWriter: rec, text: text, contentType: ct}
		h := w.Header()
		h.Set("Content-Type", "application/grpc+proto")
		h.Set("Trailer", "Grpc-Status")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte("\x00\x00\x00\x00\x02hi"))
		w.Flush()
		h[http.TrailerPrefix+"Grpc-Status"] = []string{"0"}
		h[http.TrailerPrefix+"Grpc-Message"] = []string{"fine"}
		w.finish()
		body := rec.Body.Bytes()
		if text {
			// Padded chunks: each 4-byte quantum decodes alone.
			var out []byte
			for i := 0; i+4 <= len(body); i += 4 {
				b, err := base64.StdEncoding.DecodeString(string(body[i : i+4]))
				if err != nil {
					t.Fatalf("text body %q: %v", body, err)
				}
				out = append(out, b...)
			}
			if len(body)%4 != 0 {
				t.Fatalf("text body %q is not whole quanta", body)
			}
			body = out
		}
		want := "\x00\x00\x00\x00\x02hi\x80\x00\x00\x00\x24grpc-message: fine\r\ngrpc-status: 0\r\n"
		if string(body) != want {
			t.Errorf("text=%v: body %q; want %q", text, body, want)
		}
		if rec.Header().Get("Content-Type") != ct || rec.Header().Get("Trailer") != "" {
			t.Errorf("text=%v: header %v", text, rec.Header())
		}
		if _, ok := rec.Header()[http.TrailerPrefix+"Grpc-Status"]; ok {
			t.Errorf("text=%v: trailers left as HTTP trailers", text)
		}
	}
}

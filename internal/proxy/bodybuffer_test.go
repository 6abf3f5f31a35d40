package proxy

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"

	"github.com/gatehouse/gatehouse/internal/upstream"
)

func TestReadUpTo(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		length     int64 // Content-Length; -1 unknown
		limit      int64
		wantReplay bool
	}{
		{"no body", "", 0, 8, true},
		{"small", "hello", 5, 8, true},
		{"exactly the limit", "12345678", 8, 8, true},
		{"declared too large", "123456789", 9, 8, false},
		{"chunked too large", "123456789", -1, 8, false},
		{"chunked small", "1234", -1, 8, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", "http://x/", nil)
			if tt.body != "" {
				req.Body = io.NopCloser(strings.NewReader(tt.body))
			}
			req.ContentLength = tt.length
			if tt.body == "" {
				return // no body: nothing to keep (keepBody does not call it)
			}
			kept, replay, err := readUpTo(req, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if replay != tt.wantReplay {
				t.Fatalf("replay = %v; want %v", replay, tt.wantReplay)
			}
			if req.Body != nil {
				got, _ := io.ReadAll(req.Body)
				if string(got) != tt.body {
					t.Fatalf("body sent = %q; want %q whole", got, tt.body)
				}
			}
			if replay && string(kept) != tt.body {
				t.Fatalf("kept = %q; want %q", kept, tt.body)
			}
			if replay && tt.body != "" {
				again, _ := io.ReadAll(newReplayBody(kept))
				if string(again) != tt.body {
					t.Fatalf("replayed = %q; want %q", again, tt.body)
				}
			}
		})
	}
}

func TestFailureOf(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	read := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	tests := []struct {
		name string
		err  error
		want upstream.Failure
	}{
		{"refused", dial, upstream.ConnectFailure},
		{"reset after sending", read, upstream.Reset},
		{"deadline", context.DeadlineExceeded, upstream.Timeout},
		{"eof", io.ErrUnexpectedEOF, upstream.Reset},
		{"wrapped refused", errors.Join(errors.New("x"), syscall.ECONNREFUSED), upstream.ConnectFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := failureOf(tt.err); got != tt.want {
				t.Errorf("failureOf(%v) = %v; want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestJoinBase(t *testing.T) {
	tests := []struct{ base, path, want string }{
		{"", "/a", "/a"},
		{"/v1", "/", "/v1/"},
		{"/v1", "/a/b", "/v1/a/b"},
	}
	for _, tt := range tests {
		if got := joinBase(tt.base, tt.path); got != tt.want {
			t.Errorf("joinBase(%q, %q) = %q; want %q", tt.base, tt.path, got, tt.want)
		}
	}
}

func TestFallbackContentType(t *testing.T) {
	tests := []struct{ body, want string }{
		{`{"error": "down"}`, "application/json"},
		{`[1]`, "application/json"},
		{"down for maintenance", "text/plain; charset=utf-8"},
	}
	for _, tt := range tests {
		f := NewFallback(0, nil, tt.body)
		if got := f.header.Get("Content-Type"); got != tt.want || f.status != 503 {
			t.Errorf("body %q: %d %q; want 503 %q", tt.body, f.status, got, tt.want)
		}
	}
	f := NewFallback(200, map[string]string{"content-type": "text/html"}, "<p>")
	if got := f.header.Get("Content-Type"); got != "text/html" {
		t.Errorf("explicit Content-Type replaced by %q", got)
	}
}

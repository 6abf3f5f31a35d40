package pipeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestErrorWrapping(t *testing.T) {
	cause := fs.ErrNotExist
	wrapped := Wrap(http.StatusBadGateway, "upstream unavailable", fmt.Errorf("dial: %w", cause))
	if !errors.Is(wrapped, cause) {
		t.Fatalf("errors.Is(%v, %v) = false; want the cause reachable", wrapped, cause)
	}
	if got, want := wrapped.Error(), "upstream unavailable: dial: file does not exist"; got != want {
		t.Fatalf("Error() = %q; want %q", got, want)
	}
	if got := NewError(404, "no route matched").Error(); got != "no route matched" {
		t.Fatalf("Error() without a cause = %q; want the message", got)
	}
	if NewError(404, "x").Unwrap() != nil {
		t.Fatal("Unwrap of an error without a cause is not nil")
	}

	// An *Error wrapped further by a policy is still found by AsError.
	outer := fmt.Errorf("jwt: %w", NewError(http.StatusUnauthorized, "invalid token"))
	if pe := AsError(outer); pe.Status != 401 || pe.Msg != "invalid token" {
		t.Fatalf("AsError(%v) = %d %q; want 401 invalid token", outer, pe.Status, pe.Msg)
	}
	plain := errors.New("secret detail")
	pe := AsError(plain)
	if pe.Status != 500 || pe.Msg != "internal error" || !errors.Is(pe, plain) {
		t.Fatalf("AsError(plain) = %d %q (cause %v); want 500 internal error keeping the cause", pe.Status, pe.Msg, pe.Err)
	}
}

func TestWriteErrorJSON(t *testing.T) {
	cases := []struct {
		name    string
		err     error
		id      string
		status  int
		msg     string
		headers map[string]string
	}{
		{"plain", NewError(404, "no route matched"), "rid-1", 404, "no route matched", nil},
		{"allow header", &Error{Status: 405, Msg: "method not allowed", Header: http.Header{"Allow": {"GET, POST"}}}, "r", 405, "method not allowed", map[string]string{"Allow": "GET, POST"}},
		{"html-safe escaping", NewError(400, `<script>&"\`), "r", 400, `<script>&"\`, nil},
		{"control characters", NewError(400, "a\x00b\x1fc\x7f"), "r", 400, "a\x00b\x1fc\x7f", nil},
		{"invalid UTF-8 replaced", NewError(400, "bad\xffbyte"), "r", 400, "bad\ufffdbyte", nil},
		{"unicode kept", NewError(400, "naïve ✓"), "r", 400, "naïve ✓", nil},
		{"no state, no request id", NewError(503, "unavailable"), "", 503, "unavailable", nil},
		{"foreign error is a bare 500", errors.New("password=hunter2"), "r", 500, "internal error", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if c.id != "" {
				r = WithState(r, &State{RequestID: c.id})
			}
			w := httptest.NewRecorder()
			w.Header().Set("Content-Length", "999") // left over from an upstream
			WriteError(w, r, c.err)
			if w.Code != c.status {
				t.Fatalf("status %d; want %d", w.Code, c.status)
			}
			for k, v := range map[string]string{"Content-Type": "application/json", "X-Content-Type-Options": "nosniff",
				"Content-Length": strconv.Itoa(w.Body.Len())} {
				if got := w.Header().Get(k); got != v {
					t.Errorf("%s = %q; want %q", k, got, v)
				}
			}
			for k, v := range c.headers {
				if got := w.Header().Get(k); got != v {
					t.Errorf("%s = %q; want %q", k, got, v)
				}
			}
			body := w.Body.String()
			if body[len(body)-1] != '\n' {
				t.Errorf("body %q lacks the trailing newline", body)
			}
			var got struct {
				Error     *string `json:"error"`
				Status    *int    `json:"status"`
				RequestID *string `json:"request_id"`
			}
			dec := json.NewDecoder(w.Body)
			dec.DisallowUnknownFields()
			if err := dec.Decode(&got); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			if got.Error == nil || got.Status == nil || got.RequestID == nil {
				t.Fatalf("body %q lacks a field", body)
			}
			if *got.Error != c.msg || *got.Status != c.status || *got.RequestID != c.id {
				t.Fatalf("body = %q %d %q; want %q %d %q", *got.Error, *got.Status, *got.RequestID, c.msg, c.status, c.id)
			}
			for _, unsafe := range []string{"<", ">", "&", "hunter2"} {
				if strings.Contains(body, unsafe) {
					t.Errorf("body %q contains %q unescaped", body, unsafe)
				}
			}
		})
	}
}

// FuzzAppendErrorJSON: any message yields valid JSON that decodes back to
// the message (invalid UTF-8 aside).
func FuzzAppendErrorJSON(f *testing.F) {
	for _, s := range []string{"", "x", `"\`, "<>&", "\x00\x7f", "\xff", "✓"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, msg, id string) {
		b := AppendErrorJSON(nil, 418, msg, id)
		var got struct {
			Error     string `json:"error"`
			Status    int    `json:"status"`
			RequestID string `json:"request_id"`
		}
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%q: %v", b, err)
		}
		if got.Status != 418 {
			t.Fatalf("status %d", got.Status)
		}
		if utf8.ValidString(msg) && got.Error != msg {
			t.Fatalf("error %q; want %q", got.Error, msg)
		}
	})
}

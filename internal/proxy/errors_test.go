package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"syscall"
	"testing"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// timeoutErr is a net.Error that timed out.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestClassify(t *testing.T) {
	dial := func(err error) error { return &net.OpError{Op: "dial", Net: "tcp", Err: err} }
	cases := []struct {
		name   string
		err    error
		status int
		msg    string
	}{
		{"deadline", context.DeadlineExceeded, 504, "upstream timed out"},
		{"wrapped deadline", fmt.Errorf("round trip: %w", context.DeadlineExceeded), 504, "upstream timed out"},
		{"connect timeout", dial(timeoutErr{}), 504, "upstream connect timed out"},
		{"connection refused", dial(os.NewSyscallError("connect", syscall.ECONNREFUSED)), 502, "upstream unavailable"},
		{"bare ECONNREFUSED", fmt.Errorf("x: %w", syscall.ECONNREFUSED), 502, "upstream unavailable"},
		{"dial, no route", dial(errors.New("no route to host")), 502, "upstream unavailable"},
		{"read timeout", &net.OpError{Op: "read", Net: "tcp", Err: timeoutErr{}}, 504, "upstream timed out"},
		{"reset while reading", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, 502, "bad gateway"},
		{"malformed response", errors.New(`malformed HTTP response "garbage"`), 502, "bad gateway"},
		{"unexpected EOF", io.ErrUnexpectedEOF, 502, "bad gateway"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := classify(c.err)
			if got.Status != c.status || got.Msg != c.msg {
				t.Fatalf("classify(%v) = %d %q; want %d %q", c.err, got.Status, got.Msg, c.status, c.msg)
			}
			if !errors.Is(got, c.err) {
				t.Fatalf("classify(%v) lost the cause", c.err)
			}
		})
	}
}

// TestClassifyRealDialFailure dials a closed port for real.
func TestClassifyRealDialFailure(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, err = net.Dial("tcp", addr)
	if err == nil {
		t.Skip("the closed port accepted a connection")
	}
	if got := classify(err); got.Status != http.StatusBadGateway {
		t.Fatalf("classify(%v) = %d; want 502", err, got.Status)
	}
}

func TestHandleError(t *testing.T) {
	t.Run("client gone is recorded, not answered", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		st := &pipeline.State{RequestID: "r1"}
		r := pipeline.WithState(httptest.NewRequest("GET", "/", nil).WithContext(ctx), st)
		w := httptest.NewRecorder()
		handleError(w, r, fmt.Errorf("copy: %w", context.Canceled))
		if !st.ClientGone || st.Err == nil {
			t.Fatalf("ClientGone %v Err %v; want the client's departure recorded", st.ClientGone, st.Err)
		}
		if w.Body.Len() != 0 {
			t.Fatalf("wrote %q to a gone client", w.Body.String())
		}
	})
	t.Run("timeout answers 504 JSON", func(t *testing.T) {
		st := &pipeline.State{RequestID: "r2"}
		r := pipeline.WithState(httptest.NewRequest("GET", "/", nil), st)
		w := httptest.NewRecorder()
		handleError(w, r, context.DeadlineExceeded)
		if w.Code != http.StatusGatewayTimeout || st.ClientGone {
			t.Fatalf("status %d ClientGone %v; want 504, client present", w.Code, st.ClientGone)
		}
		if want := `{"error":"upstream timed out","status":504,"request_id":"r2"}`; !jsonEqual(t, w.Body.String(), want) {
			t.Fatalf("body %s; want %s", w.Body.String(), want)
		}
	})
}

// jsonEqual compares two JSON documents by value.
func jsonEqual(t *testing.T, got, want string) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("%q is not JSON: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(g, w)
}

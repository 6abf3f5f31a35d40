package pipeline

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestWriteErrorAnswersGRPCWithStatus(t *testing.T) {
	for _, tc := range []struct {
		status int
		ct     string
		code   string
	}{
		{http.StatusNotFound, "application/grpc", "12"},
		{http.StatusUnauthorized, "application/grpc+proto", "16"},
		{http.StatusForbidden, "application/grpc;charset=utf-8", "7"},
		{http.StatusTooManyRequests, "application/grpc-web+proto", "8"},
		{http.StatusServiceUnavailable, "application/grpc-web-text", "14"},
		{http.StatusBadGateway, "application/grpc", "14"},
		{http.StatusGatewayTimeout, "application/grpc", "4"},
		{http.StatusMethodNotAllowed, "application/grpc", "12"},
		{http.StatusRequestEntityTooLarge, "application/grpc", "8"},
		{http.StatusInternalServerError, "application/grpc", "13"},
		{http.StatusTeapot, "application/grpc", "2"},
	} {
		r := httptest.NewRequest(http.MethodPost, "/a.B/C", nil)
		r.Header.Set("Content-Type", tc.ct)
		st := &State{RequestID: "rid"}
		r = WithState(r, st)
		w := httptest.NewRecorder()
		WriteError(w, r, &Error{Status: tc.status, Msg: "nope 100% ünicode", Header: http.Header{"Retry-After": {"3"}}})
		if w.Code != http.StatusOK || w.Body.Len() != 0 {
			t.Errorf("%d: HTTP %d with %d body bytes; want 200 and none", tc.status, w.Code, w.Body.Len())
		}
		h := w.Header()
		if h.Get("Grpc-Status") != tc.code || h.Get("Content-Type") != tc.ct || st.GRPCStatus != tc.code {
			t.Errorf("%d: grpc-status %q (state %q) type %q; want %s %q", tc.status, h.Get("Grpc-Status"), st.GRPCStatus, h.Get("Content-Type"), tc.code, tc.ct)
		}
		if got := h.Get("Grpc-Message"); got != "nope 100%25 %C3%BCnicode" {
			t.Errorf("grpc-message %q; want percent-encoded", got)
		}
		if h.Get("Retry-After") != "3" || h.Get("X-Request-Id") != "rid" {
			t.Errorf("error headers lost: %v", h)
		}
	}
}

func TestWriteErrorLeavesOtherTypesJSON(t *testing.T) {
	for _, ct := range []string{"", "application/json", "application/grpcx", "text/grpc", "application/gr"} {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		w := httptest.NewRecorder()
		WriteError(w, r, NewError(http.StatusNotFound, "no route"))
		if w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), `"status":404`) || w.Header().Get("Grpc-Status") != "" {
			t.Errorf("%q: %d %q %v; want the JSON 404", ct, w.Code, w.Body.String(), w.Header())
		}
	}
}

func TestGRPCCodeName(t *testing.T) {
	for in, want := range map[string]string{"0": "OK", "14": "UNAVAILABLE", "16": "UNAUTHENTICATED", "17": "UNKNOWN", "-1": "UNKNOWN", "x": "UNKNOWN", "": "UNKNOWN"} {
		if got := GRPCCodeName(in); got != want {
			t.Errorf("GRPCCodeName(%q) = %q; want %q", in, got, want)
		}
	}
}

package demo

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// maxBody caps request bodies; the demo payloads are a few hundred bytes.
const maxBody = 64 << 10

// errorBody is the one error shape every demo service answers with.
type errorBody struct {
	Error  string `json:"error"`
	Status int    `json:"status"`
}

// seenByService reports what reached the service, so the demo can show
// which path the gateway forwarded and which headers it added or replaced.
// Empty strings are kept (no omitempty) so a missing header is visible.
type seenByService struct {
	Service         string `json:"service"`
	Method          string `json:"method"`
	Path            string `json:"path"`
	Host            string `json:"host"`
	XRequestID      string `json:"x_request_id"`
	XForwardedFor   string `json:"x_forwarded_for"`
	XForwardedHost  string `json:"x_forwarded_host"`
	XForwardedProto string `json:"x_forwarded_proto"`
	// Identity headers the gateway sets after authentication.
	XUserID       string `json:"x_user_id,omitempty"`
	XUserRoles    string `json:"x_user_roles,omitempty"`
	XConsumerName string `json:"x_consumer_name,omitempty"`
}

func seenBy(service string, r *http.Request) seenByService {
	return seenByService{
		Service:         service,
		Method:          r.Method,
		Path:            r.URL.Path,
		Host:            r.Host,
		XRequestID:      r.Header.Get("X-Request-ID"),
		XForwardedFor:   r.Header.Get("X-Forwarded-For"),
		XForwardedHost:  r.Header.Get("X-Forwarded-Host"),
		XForwardedProto: r.Header.Get("X-Forwarded-Proto"),
		XUserID:         r.Header.Get("X-User-ID"),
		XUserRoles:      r.Header.Get("X-User-Roles"),
		XConsumerName:   r.Header.Get("X-Consumer-Name"),
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ") // the demo is read by people, often via curl
	_ = enc.Encode(v)       // a failed write means the client went away
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg, Status: status})
}

// decodeJSON reads exactly one JSON value from the body into dst. The error
// text is safe to show to the client.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	if err := dec.Decode(dst); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fmt.Errorf("request body larger than %d bytes", maxBody)
		}
		if errors.Is(err, io.EOF) {
			return errors.New("request body must be a JSON object")
		}
		return fmt.Errorf("invalid JSON body: %v", err)
	}
	// Trailing garbage usually means a client bug; say so instead of
	// silently using the first value.
	if dec.More() {
		return errors.New("invalid JSON body: more than one value")
	}
	return nil
}

// newID returns prefix followed by 16 random hex digits.
func newID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return prefix + hex.EncodeToString(b[:])
}

// jsonErrors makes the mux's own 404 and 405 answers JSON like every other
// error. Requests that match a pattern pass through untouched.
func jsonErrors(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(&errorRewriter{ResponseWriter: w}, r)
	})
}

// errorRewriter keeps the status and headers (e.g. Allow on 405) that the
// mux sets but replaces its plain-text body with the JSON error shape.
type errorRewriter struct {
	http.ResponseWriter
	wrote       bool
	passThrough bool // a non-error answer (e.g. a redirect) is left alone
}

func (e *errorRewriter) WriteHeader(status int) {
	if e.wrote {
		return
	}
	e.wrote = true
	if status < 400 {
		e.passThrough = true
		e.ResponseWriter.WriteHeader(status)
		return
	}
	h := e.Header()
	h.Del("Content-Length")
	h.Del("X-Content-Type-Options")
	writeError(e.ResponseWriter, status, http.StatusText(status))
}

func (e *errorRewriter) Write(p []byte) (int, error) {
	if !e.wrote {
		e.WriteHeader(http.StatusOK)
	}
	if e.passThrough {
		return e.ResponseWriter.Write(p)
	}
	return len(p), nil // the mux's text body is dropped on purpose
}

package proxy

import (
	"net/http"
	"strconv"
	"strings"
)

// Fallback is a route's canned response for when its service cannot
// answer, built once.
type Fallback struct {
	status int
	header http.Header
	body   []byte
}

// NewFallback compiles a fallback response. status 0 is 503.
func NewFallback(status int, headers map[string]string, body string) *Fallback {
	if status == 0 {
		status = http.StatusServiceUnavailable
	}
	h := http.Header{}
	for k, v := range headers {
		h.Set(k, v)
	}
	if h.Get("Content-Type") == "" {
		trimmed := strings.TrimSpace(body)
		if strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "[") {
			h.Set("Content-Type", "application/json")
		} else {
			h.Set("Content-Type", "text/plain; charset=utf-8")
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	return &Fallback{status: status, header: h, body: []byte(body)}
}

func (f *Fallback) write(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	for k, vs := range f.header {
		h[k] = vs
	}
	w.WriteHeader(f.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(f.body)
	}
}

package runtime

import (
	"net/http"
	"sync/atomic"

	"github.com/gatehouse/gatehouse/internal/proxy"
)

// Holder is the one mutable thing on the request path: a pointer to the
// current Runtime, loaded once per request and swapped by a reload.
type Holder struct {
	cur atomic.Pointer[Runtime]
}

// NewHolder holds rt.
func NewHolder(rt *Runtime) *Holder {
	h := &Holder{}
	h.cur.Store(rt)
	return h
}

// Load returns the current Runtime.
func (h *Holder) Load() *Runtime { return h.cur.Load() }

// Swap installs rt and returns the previous Runtime.
func (h *Holder) Swap(rt *Runtime) *Runtime { return h.cur.Swap(rt) }

// Handler serves the named listener with whatever Runtime is current when
// each request arrives.
func (h *Holder) Handler(listener string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt := h.cur.Load()
		l := rt.listeners[listener]
		if l == nil {
			l = defaultListener
		}
		rt.serve(l, w, r)
	})
}

var defaultListener = &listener{trust: &proxy.Trust{}, healthPath: "/health", maxHeaderCount: 100}

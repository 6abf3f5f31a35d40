package runtime

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"

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

// acquire returns the current Runtime with this request counted in its
// in-flight total. The re-check after counting closes the race with a
// swap: a request that counted itself on a runtime already swapped out
// moves to the new one, so a drained runtime (count zero after the swap)
// never gains a request again.
func (h *Holder) acquire() *Runtime {
	for {
		rt := h.cur.Load()
		rt.inflight.Add(1)
		if h.cur.Load() == rt {
			return rt
		}
		rt.inflight.Add(-1)
	}
}

// Handler serves the named listener with whatever Runtime is current when
// each request arrives.
func (h *Holder) Handler(listener string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt := h.acquire()
		defer rt.inflight.Add(-1)
		l := rt.listeners[listener]
		if l == nil {
			l = defaultListener
		}
		rt.serve(l, w, r)
	})
}

// InFlight is the number of requests rt is serving.
func (rt *Runtime) InFlight() int64 { return rt.inflight.Load() }

// Drain waits until rt, already swapped out, serves no request, or ctx
// ends. It reports whether rt drained. Upgraded connections (WebSocket)
// and streams keep their request open, so they count until they end.
func (rt *Runtime) Drain(ctx context.Context) bool {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for rt.inflight.Load() > 0 {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
	return true
}

var defaultListener = &listener{trust: &proxy.Trust{}, healthPath: "/health", maxHeaderCount: 100}

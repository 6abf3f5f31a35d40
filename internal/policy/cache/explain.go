package cache

import (
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// Explain tells what the cache would do with r now: its key and whether
// a stored entry would answer it.
func (p *policy) Explain(r *http.Request, st *pipeline.State) map[string]any {
	if !p.methods[r.Method] {
		return map[string]any{"decision": "bypass", "reason": "method " + r.Method + " is not cached"}
	}
	authed := len(r.Header["Authorization"]) > 0
	if authed && !p.shareAuth {
		return map[string]any{"decision": "bypass", "reason": "credentials, and share_authenticated is off"}
	}
	key := p.keyer.key(r, st, authed)
	e, full := p.lookup(key, r.Header)
	out := map[string]any{"key": full}
	now := p.clock()
	switch {
	case e == nil:
		out["decision"] = "miss"
	case e.IsFresh(now):
		out["decision"], out["ttl_seconds"] = "hit", int64(e.TTL(now)/time.Second)
	case !e.MustRevalidate && -e.TTL(now) <= e.StaleWhileRevalidate:
		out["decision"] = "stale (served while revalidating)"
	default:
		out["decision"] = "stale (revalidated with the service)"
	}
	return out
}

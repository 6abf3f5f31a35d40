package admin

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/cache"
)

// purgeCache removes response-cache entries:
// DELETE /cache?key=K | prefix=/path | tag=T | route=NAME (combinable:
// an entry must match every one given). At least one is required, so a
// bare DELETE cannot empty every cache by accident.
func (s *Server) purgeCache(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := cache.PurgeSpec{Key: q.Get("key"), Prefix: q.Get("prefix"), Tag: q.Get("tag"), Route: q.Get("route")}
	if p == (cache.PurgeSpec{}) {
		writeError(w, http.StatusBadRequest, "name what to purge: key, prefix, tag or route", nil)
		return
	}
	n := cache.Stores.Purge(p)
	writeJSON(w, http.StatusOK, map[string]any{"purged": n})
}

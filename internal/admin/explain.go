package admin

import (
	"net/http"
	"net/url"
	"strings"
)

// explain shows what the serving config would do with a request:
// GET /explain?method=GET&path=/api/orders&host=shop.example.com&header=X-Tier:%20gold
func (s *Server) explain(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	method, target := q.Get("method"), q.Get("path")
	if method == "" {
		method = http.MethodGet
	}
	if !strings.HasPrefix(target, "/") {
		writeError(w, http.StatusBadRequest, `path is required and must start with "/"`, nil)
		return
	}
	req, err := http.NewRequest(strings.ToUpper(method), "http://localhost", nil)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), nil)
		return
	}
	req.RequestURI = target
	if u, err := url.ParseRequestURI(target); err == nil {
		req.URL = u
	}
	req.Host = "localhost"
	if h := q.Get("host"); h != "" {
		req.Host = h
	}
	for _, h := range q["header"] {
		k, v, ok := strings.Cut(h, ":")
		if !ok {
			writeError(w, http.StatusBadRequest, "header "+h+": want 'Name: value'", nil)
			return
		}
		req.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	listener := q.Get("listener")
	if listener == "" {
		listener = s.g.Config().Listeners[0].Name
	}
	writeJSON(w, http.StatusOK, s.g.Runtime().Explain(listener, req))
}

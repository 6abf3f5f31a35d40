package admin

import (
	"mime"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// A token-less admin API on loopback is still reachable from the
// operator's browser: a page can send it simple requests (a POST with
// Content-Type text/plain needs no CORS preflight), and through DNS
// rebinding its own origin can resolve to 127.0.0.1. The checks below
// refuse what only a browser acting for someone else would send; curl,
// scripts and the CLI send none of it. See docs/operations.md.

// guard refuses requests from browsers on behalf of other sites and
// writes whose body is not JSON or YAML, before authentication.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case !s.hostAllowed(r.Host):
			writeError(w, http.StatusForbidden, "admin API: Host "+quote(r.Host)+" is not this listener or a loopback name", nil)
		case crossSite(r):
			writeError(w, http.StatusForbidden, "admin API: cross-site request refused", nil)
		case hasBody(r) && !configType(r.Header.Get("Content-Type")):
			writeError(w, http.StatusUnsupportedMediaType, "admin API: the body must be JSON or YAML (Content-Type application/json or application/yaml)", nil)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// hostAllowed defeats DNS rebinding: a page from evil.example whose name
// now resolves to 127.0.0.1 still sends "Host: evil.example". Loopback
// names and addresses and the listener's own address pass. With a token
// any Host passes: a rebound page cannot present the token, and an admin
// beyond loopback is reached by whatever name the network gives it.
func (s *Server) hostAllowed(hostport string) bool {
	if len(s.token) > 0 {
		return true
	}
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || host == s.host {
		return true
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && (ip.IsLoopback() || s.ln != nil && ip.Unmap().String() == listenIP(s.ln.Addr()))
}

func listenIP(a net.Addr) string {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.IP.String()
	}
	return ""
}

// crossSite reports a browser request made by a page of another origin:
// Sec-Fetch-Site says so (every current browser sends it; "same-site"
// counts, since another port on localhost is another program), or,
// from a browser without it, Origin names another origin. Safe methods
// are refused too: the admin API has no reason to serve other sites.
func crossSite(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return true
	case "same-origin", "none":
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	return origin != "http://"+r.Host && origin != "https://"+r.Host
}

// hasBody reports a request that carries a config or an object: every
// POST, PUT and PATCH but the bodiless POST /reload.
func hasBody(r *http.Request) bool {
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		return r.URL.Path != "/reload"
	}
	return false
}

// configType accepts JSON and YAML media types (with +json and +yaml
// suffixes, such as application/merge-patch+json). text/plain, form and
// multipart types are what a page may send cross-site without a
// preflight, so they are refused.
func configType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch mt {
	case "application/json", "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml":
		return true
	}
	return strings.HasPrefix(mt, "application/") && (strings.HasSuffix(mt, "+json") || strings.HasSuffix(mt, "+yaml"))
}

func quote(s string) string { return `"` + s + `"` }

package runtime

import (
	"net/http"
	"net/textproto"
)

// clientIPHeader reports the names CDNs and proxies use to tell a service
// the client's address. The gateway sets X-Forwarded-For and X-Real-IP
// itself; these others it knows nothing about, so from a peer that is not
// a trusted proxy they are a client's claim about itself and are dropped
// before routing. From a trusted proxy (a CDN in front) they pass.
func clientIPHeader(k string) bool {
	switch k {
	case "True-Client-Ip", "X-Client-Ip", "Cf-Connecting-Ip", "Fastly-Client-Ip",
		"X-Cluster-Client-Ip", "X-Originating-Ip", "X-Remote-Ip", "X-Remote-Addr":
		return true
	}
	return false
}

// stripSet is the canonical names of the config's strip_headers.
func stripSet(names []string) map[string]bool {
	if len(names) == 0 {
		return nil
	}
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[textproto.CanonicalMIMEHeaderKey(n)] = true
	}
	return m
}

// stripHeaders drops, in one pass over the request's header names, the
// configured strip_headers and, unless the peer is a trusted proxy, the
// client-IP headers. Keys parsed by net/http are canonical already.
func (rt *Runtime) stripHeaders(h http.Header, peerTrusted bool) {
	for k := range h {
		if !peerTrusted && clientIPHeader(k) || rt.strip[k] {
			delete(h, k)
		}
	}
}

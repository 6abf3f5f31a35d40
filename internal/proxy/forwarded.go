package proxy

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Trust is a listener's set of trusted proxy networks. Only a peer inside
// it may tell us, through X-Forwarded-*, who the client really is.
type Trust struct {
	prefixes []netip.Prefix
}

// ParseTrust parses IPs and CIDRs ("10.0.0.0/8", "192.0.2.1").
func ParseTrust(list []string) (*Trust, error) {
	t := &Trust{}
	for _, s := range list {
		if p, err := netip.ParsePrefix(s); err == nil {
			t.prefixes = append(t.prefixes, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an IP nor a CIDR", s)
		}
		t.prefixes = append(t.prefixes, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return t, nil
}

// Contains reports whether ip is trusted.
func (t *Trust) Contains(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range t.prefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// Client is who sent a request, as far as the trust settings allow us to say.
type Client struct {
	IP          string // the client's IP
	Peer        string // the TCP peer's IP
	PeerTrusted bool
	Scheme      string // "http" or "https"
	Host        string // the host the client asked for
}

// Resolve works out the client of r. From an untrusted peer every
// X-Forwarded-* header is ignored. From a trusted one, X-Forwarded-For is
// walked from the right, skipping trusted hops, so a client cannot forge
// its address by prepending entries.
func (t *Trust) Resolve(r *http.Request) Client {
	c := Client{Scheme: "http", Host: r.Host}
	if r.TLS != nil {
		c.Scheme = "https"
	}
	peer := r.RemoteAddr
	if h, _, err := net.SplitHostPort(peer); err == nil {
		peer = h
	}
	c.Peer, c.IP = peer, peer
	if len(t.prefixes) == 0 {
		return c
	}
	addr, err := netip.ParseAddr(peer)
	if err != nil || !t.Contains(addr) {
		return c
	}
	c.PeerTrusted = true
	if ip, ok := t.leftmostUntrusted(r.Header["X-Forwarded-For"]); ok {
		c.IP = ip
	}
	if p := lastValue(r.Header["X-Forwarded-Proto"]); p == "http" || p == "https" {
		c.Scheme = p
	}
	if h := lastValue(r.Header["X-Forwarded-Host"]); h != "" {
		c.Host = h
	}
	return c
}

// leftmostUntrusted returns the right-most XFF entry that is not a trusted
// proxy: the first address no trusted hop vouches for.
func (t *Trust) leftmostUntrusted(values []string) (string, bool) {
	for i := len(values) - 1; i >= 0; i-- {
		v := values[i]
		for v != "" {
			var part string
			if j := strings.LastIndexByte(v, ','); j >= 0 {
				part, v = v[j+1:], v[:j]
			} else {
				part, v = v, ""
			}
			part = strings.TrimSpace(part)
			a, err := netip.ParseAddr(part)
			if err != nil {
				// Garbage in the chain: stop trusting it here.
				return "", false
			}
			if !t.Contains(a) {
				return a.Unmap().String(), true
			}
		}
	}
	return "", false
}

func lastValue(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	v := vs[len(vs)-1]
	if i := strings.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return strings.TrimSpace(v)
}

// spoofable are headers a client could send to impersonate something the
// gateway vouches for; they are dropped unless the peer is trusted and
// rebuilt where the gateway has the facts.
var spoofable = []string{"X-Real-Ip", "X-Forwarded-Port", "X-Forwarded-Prefix", "X-Forwarded-Server", "X-Forwarded-Ssl", "X-Original-Forwarded-For"}

// dropSpoofable removes the spoofable headers from a copy of the client's
// header (the fast path never copies them: skipUpstream).
func dropSpoofable(h http.Header) {
	for _, k := range spoofable {
		delete(h, k)
	}
}

// setForwarded writes X-Forwarded-For/Proto/Host and X-Real-IP on out,
// which holds none of the spoofable headers.
func setForwarded(out, in http.Header, st clientFacts) {
	xff := st.peer
	if st.peerTrusted {
		if prior := in["X-Forwarded-For"]; len(prior) > 0 {
			xff = strings.Join(prior, ", ") + ", " + st.peer
		}
	}
	// One backing array for the four values: one allocation, not four.
	// Each slice is capped at length 1 so an append cannot spill into the next.
	v := [...]string{xff, st.scheme, st.host, st.clientIP}
	vals := v[:]
	out["X-Forwarded-For"] = vals[0:1:1]
	out["X-Forwarded-Proto"] = vals[1:2:2]
	out["X-Forwarded-Host"] = vals[2:3:3]
	out["X-Real-Ip"] = vals[3:4:4]
}

type clientFacts struct {
	peer, clientIP, scheme, host string
	peerTrusted                  bool
}

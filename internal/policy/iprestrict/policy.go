package iprestrict

import (
	"net/http"
	"net/netip"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// Policy is the built ip_restriction policy.
type Policy struct {
	allow, deny *Set
	hasAllow    bool
	refused     *pipeline.Error
}

// Handle refuses a client IP the lists do not let in. The IP is the one
// resolved through the listener's trusted proxies: a forwarding header
// from any other peer was never believed, so it cannot help.
func (p *Policy) Handle(w http.ResponseWriter, r *http.Request, next pipeline.Handler) error {
	st := pipeline.FromRequest(r)
	if st == nil || !p.Allowed(st.ClientIP) {
		return p.refused
	}
	return next(w, r)
}

// Allowed reports whether the lists let ip in. An address that does not
// parse is refused.
func (p *Policy) Allowed(ip string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	if p.deny.Contains(a) {
		return false
	}
	return !p.hasAllow || p.allow.Contains(a)
}

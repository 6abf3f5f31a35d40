package upstream

import (
	"context"
	"net"
	"net/netip"
	"time"
)

// Resolver looks up a host's addresses; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// dnsTargets expands configured targets whose host is a name into one
// target per address (A and AAAA), re-resolved every refresh. An address
// that stays keeps its Target, and with it its in-flight count and health.
// A failed lookup keeps the previous addresses: DNS trouble must not empty
// a service.
type dnsTargets struct {
	configured []*Target
	resolver   Resolver
	timeout    time.Duration
	// byRaw is the targets of the last resolution, by their URL.
	byRaw map[string]*Target
	// last is the previous answer per configured target.
	last map[*Target][]*Target
}

func newDNSTargets(configured []*Target, r Resolver, timeout time.Duration) *dnsTargets {
	if r == nil {
		r = net.DefaultResolver
	}
	return &dnsTargets{configured: configured, resolver: r, timeout: timeout, byRaw: map[string]*Target{}, last: map[*Target][]*Target{}}
}

// resolvable reports whether t names a host rather than an address. Only
// plain-HTTP targets are expanded: for HTTPS the name must stay in the URL
// so the certificate is checked against it.
func resolvable(t *Target) bool {
	if t.Scheme != "http" {
		return false
	}
	host := t.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	_, err := netip.ParseAddr(host)
	return err != nil
}

// resolve returns the current expansion of the configured targets.
func (d *dnsTargets) resolve(ctx context.Context) []*Target {
	var out []*Target
	byRaw := map[string]*Target{}
	for _, c := range d.configured {
		if !resolvable(c) {
			out = append(out, c)
			continue
		}
		found, err := d.lookup(ctx, c, byRaw)
		if err != nil || len(found) == 0 {
			found = d.last[c]
			for _, t := range found {
				byRaw[t.Raw] = t
			}
		}
		d.last[c] = found
		out = append(out, found...)
	}
	d.byRaw = byRaw
	return out
}

func (d *dnsTargets) lookup(ctx context.Context, c *Target, byRaw map[string]*Target) ([]*Target, error) {
	host, port, err := net.SplitHostPort(c.Host)
	if err != nil {
		host, port = c.Host, ""
	}
	if d.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d.timeout)
		defer cancel()
	}
	addrs, err := d.resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, err
	}
	var found []*Target
	for _, a := range addrs {
		a = a.Unmap()
		hostport := a.String()
		if port != "" {
			hostport = net.JoinHostPort(a.String(), port)
		} else if a.Is6() {
			hostport = "[" + hostport + "]"
		}
		raw := c.Scheme + "://" + hostport + c.BasePath
		if _, dup := byRaw[raw]; dup {
			continue
		}
		t := d.byRaw[raw]
		if t == nil {
			t = &Target{Scheme: c.Scheme, Host: hostport, BasePath: c.BasePath, Weight: c.Weight, Raw: raw, HostHeader: c.Host}
		}
		byRaw[raw] = t
		found = append(found, t)
	}
	return found, nil
}

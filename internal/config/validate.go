package config

import (
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// Validate checks the config as written, before defaults, and returns every
// problem found. The errors carry paths only; Locate adds positions. It
// does not look inside policy settings: each policy validates its own.
func (c *Config) Validate() []FieldError {
	v := &validator{c: c}
	v.listeners()
	v.services()
	v.routes()
	v.grpcWebRoutes()
	v.consumers()
	v.paths()
	v.stripHeaders()
	v.accessLog()
	v.admin()
	v.tracing()
	v.nonNegative(v.c.Proxy.BodyMemoryBytes, Path("proxy").Field("body_memory_bytes"))
	return v.errs
}

// validator accumulates the errors of one Validate call.
type validator struct {
	c    *Config
	errs []FieldError
}

func (v *validator) errorf(at Path, format string, args ...any) {
	v.errs = append(v.errs, Errorf(at, format, args...))
}

// nameChecker enforces unique names within one list (services, routes or
// listeners), pointing at the first use in its message.
type nameChecker struct {
	v     *validator
	kind  string
	first map[string]Path
}

func (v *validator) names(kind string) *nameChecker {
	return &nameChecker{v: v, kind: kind, first: map[string]Path{}}
}

// check records name (effective, i.e. after defaults) at path at.
func (n *nameChecker) check(name string, at Path) {
	if prev, dup := n.first[name]; dup {
		n.v.errorf(at, "duplicate %s name %q (first at %s)", n.kind, name, n.v.c.index.lineOf(prev))
		return
	}
	n.first[name] = at
}

// validName reports whether a name sticks to [A-Za-z0-9_.-]: names end up
// in logs, metrics labels and URLs, where anything else needs quoting.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '_', r == '.', r == '-':
		default:
			return false
		}
	}
	return true
}

func (v *validator) name(name string, at Path) {
	if name != "" && !validName(name) {
		v.errorf(at, `invalid name %q: use only letters, digits, "_", "." and "-"`, name)
	}
}

func (v *validator) nonNegative(n int, at Path) {
	if n < 0 {
		v.errorf(at, "must not be negative")
	}
}

func (v *validator) nonNegativeDuration(d Duration, at Path) {
	if d < 0 {
		v.errorf(at, "must not be negative")
	}
}

func (v *validator) listeners() {
	at := Path("listeners")
	// Absent listeners get the default one; a list written empty is more
	// likely a mistake than a request for the default.
	if len(v.c.Listeners) == 0 {
		if pos, ok := v.c.index[at]; ok && !pos.Null {
			v.errorf(at, `at least one listener is required (omit "listeners" for the default %q)`, DefaultListenerAddr)
		}
		return
	}
	names := v.names("listener")
	addrs := map[string]Path{}
	for i, l := range v.c.Listeners {
		li := at.Index(i)
		v.name(l.Name, li.Field("name"))
		names.check(listenerName(l.Name, i), li.Field("name"))
		v.listenAddr(l.Addr, li.Field("addr"))
		if prev, dup := addrs[l.Addr]; dup && l.Addr != "" {
			v.errorf(li.Field("addr"), "duplicate listener address %q (first at %s)", l.Addr, v.c.index.lineOf(prev))
		} else {
			addrs[l.Addr] = li.Field("addr")
		}
		for j, p := range l.TrustedProxies {
			if !validProxy(p) {
				v.errorf(li.Field("trusted_proxies").Index(j), "invalid IP or CIDR %q", p)
			}
		}
		t := li.Field("timeouts")
		v.nonNegativeDuration(l.Timeouts.ReadHeader, t.Field("read_header"))
		v.nonNegativeDuration(l.Timeouts.Read, t.Field("read"))
		v.nonNegativeDuration(l.Timeouts.Write, t.Field("write"))
		v.nonNegativeDuration(l.Timeouts.Idle, t.Field("idle"))
		v.nonNegative(l.MaxHeaderBytes, li.Field("max_header_bytes"))
		v.nonNegative(l.MaxHeaderCount, li.Field("max_header_count"))
		if h := l.HealthPath; h != "" && h != HealthPathOff && !strings.HasPrefix(h, "/") {
			v.errorf(li.Field("health_path"), `must start with "/" or be %q`, HealthPathOff)
		}
		v.nonNegativeDuration(l.DrainTimeout, li.Field("drain_timeout"))
		v.listenerTLS(l.TLS, li.Field("tls"))
		v.protocols(l, li)
	}
}

// listenAddr checks a host:port to listen on. The host may be empty (all
// interfaces), an IP or a name; the port is numeric, 0 picking a free one.
func (v *validator) listenAddr(addr string, at Path) {
	if addr == "" {
		v.errorf(at, "required")
		return
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		v.errorf(at, `invalid address %q: want host:port, e.g. ":8080" or "127.0.0.1:8080"`, addr)
		return
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		v.errorf(at, "invalid port %q in address %q: want a number from 0 to 65535", port, addr)
	}
	if host != "" && !validHost(host) {
		if _, err := netip.ParseAddr(host); err != nil {
			v.errorf(at, "invalid host %q in address %q", host, addr)
		}
	}
}

// validProxy accepts a single IP or a CIDR.
func validProxy(s string) bool {
	if _, err := netip.ParsePrefix(s); err == nil {
		return true
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

func (v *validator) paths() {
	at := Path("paths").Field("encoded_separators")
	switch s := v.c.Paths.EncodedSeparators; s {
	case "", EncodedSeparatorsReject, EncodedSeparatorsDecode:
	default:
		v.errorf(at, "must be %q or %q, got %q%s", EncodedSeparatorsReject, EncodedSeparatorsDecode, s,
			Suggest(s, []string{EncodedSeparatorsReject, EncodedSeparatorsDecode}))
	}
}

func (v *validator) stripHeaders() {
	for i, name := range v.c.StripHeaders {
		if msg := RequestHeaderProblem(name); msg != "" {
			v.errorf(Path("strip_headers").Index(i), "%s", msg)
		}
	}
}

func (v *validator) accessLog() {
	at := Path("access_log").Field("output")
	// Written but empty (e.g. output: "" or an empty ${VAR}) is an error
	// rather than the default, so a missing variable is not silently ignored.
	if pos, ok := v.c.index[at]; ok && !pos.Null && v.c.AccessLog.Output == "" {
		v.errorf(at, `must not be empty (use %q to disable the access log)`, AccessLogOff)
	}
	al := v.c.AccessLog
	base := Path("access_log")
	if o := al.Output; strings.HasPrefix(o, "http://") || strings.HasPrefix(o, "https://") {
		if u, err := url.Parse(o); err != nil || u.Host == "" {
			v.errorf(at, "invalid collector URL %q", o)
		}
	}
	v.nonNegative(al.MaxSizeMB, base.Field("max_size_mb"))
	v.nonNegative(al.MaxBackups, base.Field("max_backups"))
	v.nonNegative(al.BatchSize, base.Field("batch_size"))
	v.nonNegative(al.QueueSize, base.Field("queue_size"))
	v.nonNegativeDuration(al.FlushInterval, base.Field("flush_interval"))
}

package config

import (
	"net/url"
	"strconv"
)

func (v *validator) services() {
	at := Path("services")
	names := v.names("service")
	for i, s := range v.c.Services {
		si := at.Index(i)
		if s.Name == "" {
			v.errorf(si.Field("name"), "required")
		} else {
			v.name(s.Name, si.Field("name"))
			names.check(s.Name, si.Field("name"))
		}
		if len(s.Targets) == 0 {
			v.errorf(si.Field("targets"), "at least one target is required")
		}
		for j, t := range s.Targets {
			tj := si.Field("targets").Index(j)
			v.targetURL(t.URL, tj.Field("url"))
			v.nonNegative(t.Weight, tj.Field("weight"))
		}
		t := si.Field("timeouts")
		v.nonNegativeDuration(s.Timeouts.Connect, t.Field("connect"))
		v.nonNegativeDuration(s.Timeouts.Response, t.Field("response"))
		v.nonNegativeDuration(s.Timeouts.Idle, t.Field("idle"))
		v.nonNegative(s.Pool.MaxIdle, si.Field("pool").Field("max_idle"))
		v.nonNegative(s.Pool.MaxConns, si.Field("pool").Field("max_conns"))
		v.nonNegative(s.MaxResponseHeaderBytes, si.Field("max_response_header_bytes"))
		v.serviceResilience(s, si)
		v.serviceProtocol(s, si)
	}
}

// targetURL checks scheme://host[:port][/base-path]. A query or fragment
// has no sensible meaning on a base URL, and credentials in it would end
// up in logs, so all three are refused.
func (v *validator) targetURL(raw string, at Path) {
	if raw == "" {
		v.errorf(at, "required")
		return
	}
	u, err := url.Parse(raw)
	if err != nil {
		v.errorf(at, "invalid URL %q: %v", raw, unwrapURLError(err))
		return
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		v.errorf(at, `scheme must be "http" or "https", got %q in %q`, u.Scheme, raw)
	case u.Host == "" || u.Hostname() == "":
		v.errorf(at, `missing host in %q (want e.g. "http://10.0.0.5:8080")`, raw)
	case u.User != nil:
		v.errorf(at, "must not contain user info (credentials) in %q", raw)
	case u.RawQuery != "" || u.ForceQuery:
		v.errorf(at, "must not contain a query in %q", raw)
	case u.Fragment != "" || u.RawFragment != "" || hasHash(raw):
		v.errorf(at, "must not contain a fragment in %q", raw)
	default:
		if p := u.Port(); p != "" {
			if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
				v.errorf(at, "invalid port %q in %q", p, raw)
			}
		}
	}
}

func hasHash(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '#' {
			return true
		}
	}
	return false
}

// unwrapURLError drops url.Error's "parse "raw": " prefix, since the
// message already quotes the URL.
func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

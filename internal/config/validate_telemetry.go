package config

import (
	"net"
	"net/url"
)

func (v *validator) tracing() {
	t := v.c.Tracing
	at := Path("tracing")
	switch t.Exporter {
	case "", TracingOff:
		return
	case TracingOTLPHTTP:
		u, err := url.Parse(t.Endpoint)
		if t.Endpoint == "" {
			v.errorf(at.Field("endpoint"), "required with exporter %q", t.Exporter)
		} else if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.errorf(at.Field("endpoint"), "want an http(s) URL such as \"http://collector:4318/v1/traces\", got %q", t.Endpoint)
		}
	case TracingOTLPGRPC:
		if t.Endpoint == "" {
			v.errorf(at.Field("endpoint"), "required with exporter %q", t.Exporter)
		} else if _, _, err := net.SplitHostPort(t.Endpoint); err != nil {
			v.errorf(at.Field("endpoint"), "want host:port such as \"collector:4317\", got %q", t.Endpoint)
		}
	default:
		v.errorf(at.Field("exporter"), "unknown exporter %q: want %q, %q or %q%s", t.Exporter,
			TracingOTLPHTTP, TracingOTLPGRPC, TracingOff, Suggest(t.Exporter, []string{TracingOTLPHTTP, TracingOTLPGRPC, TracingOff}))
	}
	if r := t.SampleRatio; r != nil && (*r < 0 || *r > 1) {
		v.errorf(at.Field("sample_ratio"), "must be between 0 and 1, got %v", *r)
	}
}

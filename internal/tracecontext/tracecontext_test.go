package tracecontext

import (
	"net/http"
	"strings"
	"testing"
)

const valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		v  string
		ok bool
	}{
		{valid, true},
		{"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", true},
		{"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", false},
		{"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false},
		{"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", false},
		{"00-00000000000000000000000000000000-00f067aa0ba902b7-01", false},
		{"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", false},
		{"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0", false},
		{"00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false},
		{"", false},
	} {
		if _, ok := Parse(tc.v); ok != tc.ok {
			t.Errorf("Parse(%q) ok = %v; want %v", tc.v, ok, tc.ok)
		}
	}
	p, _ := Parse(valid)
	if p.String() != valid || p.TraceIDString() != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("round trip: %q, trace %q", p.String(), p.TraceIDString())
	}
}

func TestContinue(t *testing.T) {
	h := http.Header{"Traceparent": {valid}, "Tracestate": {"vendor=1"}}
	id := Continue(h)
	p, ok := Parse(h.Get("Traceparent"))
	if !ok || p.TraceIDString() != id {
		t.Fatalf("traceparent %q does not carry the trace id returned, %q", h.Get("Traceparent"), id)
	}
	if p.TraceIDString() != "4bf92f3577b34da6a3ce929d0e0e4736" || p.Flags != 1 {
		t.Errorf("trace %s flags %d; want the client's trace and flags", p.TraceIDString(), p.Flags)
	}
	if strings.Contains(h.Get("Traceparent"), "00f067aa0ba902b7") {
		t.Error("the parent id was not replaced by the gateway's")
	}
	if h.Get("Tracestate") != "vendor=1" {
		t.Error("tracestate of a continued trace was dropped")
	}
	for _, bad := range []http.Header{
		{},
		{"Traceparent": {"garbage"}, "Tracestate": {"vendor=1"}},
		{"Traceparent": {valid, valid}, "Tracestate": {"vendor=1"}},
	} {
		id := Continue(bad)
		if _, ok := Parse(bad.Get("Traceparent")); !ok || id == "4bf92f3577b34da6a3ce929d0e0e4736" {
			t.Errorf("%v: no new trace started (%q)", bad, bad.Get("Traceparent"))
		}
		if bad.Get("Tracestate") != "" {
			t.Errorf("tracestate kept for a new trace")
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(valid)
	f.Add("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x")
	f.Add("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g")
	f.Fuzz(func(t *testing.T, v string) {
		p, ok := Parse(v)
		if !ok {
			return
		}
		// What parses formats back to a valid version-00 value with the
		// same ids.
		q, ok := Parse(p.String())
		if !ok || q != p {
			t.Fatalf("%q parsed to %+v, which formats to an unparsable %q", v, p, p.String())
		}
	})
}

func BenchmarkContinue(b *testing.B) {
	h := http.Header{}
	b.ReportAllocs()
	for b.Loop() {
		h["Traceparent"] = []string{valid}
		Continue(h)
	}
}

// Package tracecontext continues W3C Trace Context (traceparent and
// tracestate) through the gateway without a trace exporter: a request that
// brings a valid traceparent keeps its trace id and gets the gateway as
// the new parent; one without gets a new trace. Services behind the
// gateway then see one trace per request, as through Envoy or nginx with
// tracing on, whether or not the gateway records spans itself.
package tracecontext

import (
	"encoding/hex"
	"math/rand/v2"
	"net/http"
)

// Parent is a parsed traceparent (version 00 layout).
type Parent struct {
	TraceID [16]byte
	SpanID  [8]byte
	Flags   byte
}

// Parse reads a traceparent value. It accepts what the W3C
// recommendation requires a receiver to accept: version 00 exactly
// 55 characters, a future version at least that long with the 00 fields
// first; lowercase hex; trace and parent ids not all zeros; version ff
// refused.
func Parse(v string) (Parent, bool) {
	var p Parent
	if len(v) < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-' {
		return p, false
	}
	ver, ok := hexByte(v[0:2])
	if !ok || ver == 0xff || (ver == 0 && len(v) != 55) || (ver != 0 && len(v) > 55 && v[55] != '-') {
		return p, false
	}
	if !lowerHex(v[3:35], p.TraceID[:]) || !lowerHex(v[36:52], p.SpanID[:]) {
		return p, false
	}
	if p.Flags, ok = hexByte(v[53:55]); !ok {
		return p, false
	}
	if p.TraceID == ([16]byte{}) || p.SpanID == ([8]byte{}) {
		return p, false
	}
	return p, true
}

// String is the version 00 traceparent.
func (p Parent) String() string {
	var b [55]byte
	b[0], b[1], b[2] = '0', '0', '-'
	hex.Encode(b[3:35], p.TraceID[:])
	b[35] = '-'
	hex.Encode(b[36:52], p.SpanID[:])
	b[52] = '-'
	hex.Encode(b[53:55], []byte{p.Flags})
	return string(b[:])
}

// TraceIDString is the trace id in hex, as logs show it.
func (p Parent) TraceIDString() string { return hex.EncodeToString(p.TraceID[:]) }

// Continue rewrites h's trace context for the service: the trace the
// client started (with a new parent id, the gateway's, and its
// tracestate kept) or a new one. It returns the trace id in hex (a part
// of the new header value: no allocation of its own). A traceparent sent
// twice, or malformed, starts a new trace and drops tracestate, as the
// recommendation says.
func Continue(h http.Header) string {
	var p Parent
	ok := false
	if vs := h["Traceparent"]; len(vs) == 1 {
		p, ok = Parse(vs[0])
	}
	if !ok {
		p = Parent{}
		fill(p.TraceID[:])
		delete(h, "Tracestate")
	}
	fill(p.SpanID[:])
	v := p.String()
	h["Traceparent"] = []string{v}
	return v[3:35]
}

// fill puts random bytes in b, never all zeros (an invalid id).
func fill(b []byte) {
	for {
		for i := 0; i < len(b); i += 8 {
			x := rand.Uint64()
			for j := i; j < len(b) && j < i+8; j++ {
				b[j] = byte(x)
				x >>= 8
			}
		}
		for _, c := range b {
			if c != 0 {
				return
			}
		}
	}
}

func hexByte(s string) (byte, bool) {
	var b [1]byte
	if !lowerHex(s, b[:]) {
		return 0, false
	}
	return b[0], true
}

// lowerHex decodes s into dst, refusing uppercase as the recommendation
// does.
func lowerHex(s string, dst []byte) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	for i := range dst {
		hi, ok1 := nibble(s[2*i])
		lo, ok2 := nibble(s[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

func nibble(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

package proxy

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"

	"github.com/gatehouse/gatehouse/internal/pipeline"
	"golang.org/x/net/http/httpguts"
)

// forward is the proxy's fast path for the common exchange: an HTTP/1.x
// request with no protocol upgrade and no announced trailers, to a service
// whose targets are all plain http. It does what httputil.ReverseProxy
// with our Rewrite does, step for step (the tests run both), but builds
// the upstream header once, filtering as it copies, instead of cloning the
// client's header and deleting from the clone with a canonicalised key for
// each of a dozen names twice per request. Everything else (upgrades,
// trailers, https targets and their 1xx responses) goes through
// ReverseProxy itself.
func (s *Service) forward(w http.ResponseWriter, in *http.Request, st *pipeline.State, rt *Route) {
	out := in.WithContext(in.Context()) // a shallow copy on the same context
	u := *in.URL
	out.URL = &u
	out.Header = upstreamHeader(in.Header)
	out.Close = false
	if in.ContentLength == 0 {
		out.Body = nil
	} else if in.Body != nil {
		// The transport closes the body it sent; closing the client's body
		// early could block on a body not yet received (100-continue).
		out.Body = noCloseBody{in.Body}
	}
	out.URL.RawQuery = cleanQuery(out.URL.RawQuery)
	rewriteOut(in, out, st, rt)

	res, err := s.rp.Transport.RoundTrip(out)
	if err != nil {
		s.rp.ErrorHandler(w, out, err)
		return
	}
	if res.StatusCode == http.StatusSwitchingProtocols {
		// As ReverseProxy: response policies see it, then it is refused.
		err := modifyResponse(res)
		res.Body.Close()
		if err == nil {
			err = fmt.Errorf("backend tried to switch protocol %q when none was requested", res.Header.Get("Upgrade"))
		}
		s.rp.ErrorHandler(w, out, err)
		return
	}
	dropHopByHop(res.Header)
	if err := modifyResponse(res); err != nil {
		res.Body.Close()
		s.rp.ErrorHandler(w, out, err)
		return
	}
	dst := w.Header()
	for k, vv := range res.Header {
		if prior, ok := dst[k]; ok {
			dst[k] = append(prior, vv...)
		} else {
			dst[k] = vv
		}
	}
	if n := len(res.Trailer); n > 0 {
		keys := make([]string, 0, n)
		for k := range res.Trailer {
			keys = append(keys, k)
		}
		dst["Trailer"] = append(dst["Trailer"], strings.Join(keys, ", "))
	}
	w.WriteHeader(res.StatusCode)
	if err := s.copyBody(w, res, flushEach(res)); err != nil {
		res.Body.Close()
		// As ReverseProxy: a body cut short must reach the client as a
		// broken response, never as a clean (and shorter) one.
		panic(http.ErrAbortHandler)
	}
	res.Body.Close() // now, to fill in res.Trailer
	if len(res.Trailer) > 0 {
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		for k, vv := range res.Trailer {
			dst[http.TrailerPrefix+k] = vv
		}
	}
}

// flushEach says a response is a stream whose every write must reach the
// client at once: an event stream, or a body of unknown length.
func flushEach(res *http.Response) bool {
	return res.ContentLength == -1 || isEventStream(res)
}

// copyBody streams the upstream body to the client through a pooled buffer.
func (s *Service) copyBody(w http.ResponseWriter, res *http.Response, flush bool) error {
	var f http.Flusher
	if flush {
		f, _ = w.(http.Flusher)
		if f != nil {
			f.Flush() // the headers go out before the first event
		}
	}
	buf := sharedBuffers.Get()
	defer sharedBuffers.Put(buf)
	for {
		n, rerr := res.Body.Read(buf)
		if n > 0 {
			if m, werr := w.Write(buf[:n]); werr != nil || m != n {
				if werr == nil {
					werr = io.ErrShortWrite
				}
				return werr
			}
			if f != nil {
				f.Flush()
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			if rerr != context.Canceled {
				s.rp.ErrorLog.Printf("proxy: read error during body copy: %v", rerr)
			}
			return rerr
		}
	}
}

// skipUpstream: the headers that describe one connection, not the message
// (RFC 9110, 7.6.1), the forwarding headers the gateway rebuilds, and the
// spoofable ones it drops (forwarded.go).
// The spoofable names repeat forwarded.go's list as switch cases, which
// cost no hashing; TestSkipUpstreamCoversSpoofable keeps the two equal.
func skipUpstream(k string) bool {
	switch k {
	case "Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto",
		"X-Real-Ip", "X-Forwarded-Port", "X-Forwarded-Prefix", "X-Forwarded-Server", "X-Forwarded-Ssl", "X-Original-Forwarded-For":
		return true
	}
	return hopByHop(k)
}

// hopByHop: the headers that describe one connection, on either side.
func hopByHop(k string) bool {
	switch k {
	case "Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
		"Te", "Trailer", "Transfer-Encoding", "Upgrade":
		return true
	}
	return false
}

var emptyUserAgent = []string{""}

// upstreamHeader builds the header sent upstream from the client's: the
// same fields minus hop-by-hop ones (fixed and named in Connection) and
// forwarding ones, which rewriteOut sets anew. Value slices are shared
// with the client's header; neither side appends to or edits them in place
// (every writer replaces whole slices).
func upstreamHeader(in http.Header) http.Header {
	h := make(http.Header, len(in)+4)
	for k, vv := range in {
		if !skipUpstream(k) {
			h[k] = vv
		}
	}
	for _, f := range in["Connection"] {
		for sf := range strings.SplitSeq(f, ",") {
			if sf = textproto.TrimString(sf); sf != "" {
				delete(h, textproto.CanonicalMIMEHeaderKey(sf))
			}
		}
	}
	// Services that care may learn that trailers get through.
	if httpguts.HeaderValuesContainsToken(in["Te"], "trailers") {
		h["Te"] = []string{"trailers"}
	}
	// Without one, no User-Agent is sent (not Go's default).
	if _, ok := h["User-Agent"]; !ok {
		h["User-Agent"] = emptyUserAgent
	}
	return h
}

// dropHopByHop removes a response's connection-level headers in one pass
// over the (parsed, so canonical) keys, not a delete per name.
func dropHopByHop(h http.Header) {
	for _, f := range h["Connection"] {
		for sf := range strings.SplitSeq(f, ",") {
			if sf = textproto.TrimString(sf); sf != "" {
				delete(h, textproto.CanonicalMIMEHeaderKey(sf))
			}
		}
	}
	for k := range h {
		if hopByHop(k) {
			delete(h, k)
		}
	}
}

// cleanQuery drops what a service might parse differently from the
// gateway, as ReverseProxy does: a query with ';' separators, bad escapes
// or more parameters than net/url accepts is re-encoded from its parsed
// form.
func cleanQuery(s string) string {
	if s == "" {
		return s
	}
	reencode := func(s string) string {
		v, _ := url.ParseQuery(s)
		return v.Encode()
	}
	if strings.Count(s, "&")+1 > 10000 {
		return reencode(s)
	}
	for i := 0; i < len(s); {
		switch s[i] {
		case ';':
			return reencode(s)
		case '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return reencode(s)
			}
			i += 3
		default:
			i++
		}
	}
	return s
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// noCloseBody keeps the transport from closing the client's body.
type noCloseBody struct{ io.Reader }

func (noCloseBody) Close() error { return nil }

package proxy

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/pipeline"
	"golang.org/x/net/http/httpguts"
)

// forward is the one forwarder of every HTTP/1.x and HTTP/2 exchange but
// protocol upgrades. It does what httputil.ReverseProxy with our Rewrite
// does, step for step (TestForwardMatchesReverseProxy is the contract),
// but builds the upstream header once, filtering as it copies, instead of
// cloning the client's header and deleting from the clone, and it knows
// whose fault a failure is: the client's body is read through a
// clientBody that remembers its errors.
func (rt *Route) forward(w http.ResponseWriter, in *http.Request, st *pipeline.State) {
	out := in.WithContext(in.Context()) // a shallow copy on the same context
	u := *in.URL
	out.URL = &u
	out.Header = upstreamHeader(in.Header)
	out.Close = false
	// The framing is the transport's to choose: a body of unknown length
	// goes chunked without net/http's slower writer.
	out.TransferEncoding = nil
	var cb *clientBody
	if in.ContentLength == 0 {
		out.Body = nil
	} else if in.Body != nil {
		// The transport closes the body it sent; closing the client's body
		// early could block on a body not yet received (100-continue).
		cb = &clientBody{r: in.Body}
		out.Body = cb
	}
	out.URL.RawQuery = cleanQuery(out.URL.RawQuery)
	rt.rewriteOut(in, out, st)
	var call *grpcCall
	if pipeline.IsGRPC(in) {
		w, out, call = rt.startGRPC(w, in, out)
		defer call.cancel()
	}

	res, err := rt.roundTrip(out, st, cb)
	if err != nil {
		rt.fail(w, out, err)
		return
	}
	if res.StatusCode == http.StatusSwitchingProtocols {
		// As ReverseProxy: response policies see it, then it is refused.
		err := rt.modifyResponse(res, st)
		res.Body.Close()
		if err == nil {
			err = fmt.Errorf("backend tried to switch protocol %q when none was requested", res.Header.Get("Upgrade"))
		}
		rt.fail(w, out, err)
		return
	}
	dropHopByHop(res.Header)
	if err := rt.modifyResponse(res, st); err != nil {
		res.Body.Close()
		rt.fail(w, out, err)
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
	if err := rt.copyBody(w, res, flushEach(res)); err != nil {
		res.Body.Close()
		if call != nil && call.expired() {
			call.deadlineTrailers(w, st)
			return
		}
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
	if call != nil {
		call.finish(dst, st)
	}
}

// rewrite is ReverseProxy's Rewrite for upgrades: the same outgoing
// request forward builds.
func (rt *Route) rewrite(pr *httputil.ProxyRequest) {
	dropSpoofable(pr.Out.Header)
	rt.rewriteOut(pr.In, pr.Out, pipeline.FromRequest(pr.In))
}

// rewriteOut aims the outgoing request at the service: path, Host and
// the rebuilt X-Forwarded-* headers. The target (scheme, host and base
// path) is set per try, when the attempt picks it.
func (rt *Route) rewriteOut(in, out *http.Request, st *pipeline.State) {
	out.URL.Path = rt.upstreamPath(st)
	out.URL.RawPath = ""
	if rt.PreserveHost {
		out.Host = in.Host
	} else {
		out.Host = ""
	}
	setForwarded(out.Header, in.Header, clientFacts{
		peer: st.Peer, clientIP: st.ClientIP, scheme: st.Scheme, host: st.Host, peerTrusted: st.PeerTrusted,
	})
	if rt.StripPrefix != "" {
		out.Header["X-Forwarded-Prefix"] = []string{rt.StripPrefix}
	}
}

// modifyResponseOf is ReverseProxy's ModifyResponse.
func (rt *Route) modifyResponseOf(resp *http.Response) error {
	return rt.modifyResponse(resp, pipeline.FromRequest(resp.Request))
}

// modifyResponse runs as the service's response head arrives: latency,
// the write deadline, and the route's response policies.
func (rt *Route) modifyResponse(resp *http.Response, st *pipeline.State) error {
	st.UpstreamLatency = time.Since(st.UpstreamStart)
	// The gateway already set the one X-Request-ID the client sees.
	delete(resp.Header, "X-Request-Id")
	if sw, ok := st.Writer.(streamingWriter); ok {
		sw.ResponseStarted(isEventStream(resp) || resp.StatusCode == http.StatusSwitchingProtocols || isGRPCResponse(resp))
	}
	for _, p := range rt.response {
		if err := p.ModifyResponse(resp, st); err != nil {
			return err
		}
	}
	return nil
}

// streamingWriter is implemented by the gateway's response writer so the
// proxy can lift the write deadline for long-lived streams.
type streamingWriter interface {
	// ResponseStarted is called when upstream headers arrive; stream says
	// the body is an event stream with no natural end.
	ResponseStarted(stream bool)
}

func isEventStream(resp *http.Response) bool {
	var ct string
	if v := resp.Header["Content-Type"]; len(v) > 0 { // parsed keys are canonical: no Get
		ct = v[0]
	}
	// The media type, in any case, alone or before parameters.
	const es = "text/event-stream"
	if len(ct) < len(es) || !strings.EqualFold(ct[:len(es)], es) {
		return false
	}
	rest := ct[len(es):]
	return rest == "" || rest[0] == ';' || rest[0] == ' ' || rest[0] == '\t'
}

// flushEach says a response is a stream whose every write must reach the
// client at once: an event stream, or a body of unknown length.
func flushEach(res *http.Response) bool {
	return res.ContentLength == -1 || isEventStream(res)
}

// copyBody streams the upstream body to the client through a pooled buffer.
func (rt *Route) copyBody(w http.ResponseWriter, res *http.Response, flush bool) error {
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
				rt.Service.errorLog.Printf("proxy: read error during body copy: %v", rerr)
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

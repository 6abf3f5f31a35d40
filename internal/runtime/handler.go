package runtime

import (
	"net/http"
	"net/textproto"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/pipeline"
	"github.com/gatehouse/gatehouse/internal/router"
	"github.com/gatehouse/gatehouse/internal/tracecontext"
)

// exchange is the per-request scratch the gateway recycles: the shared
// state and the response recorder, allocated together.
type exchange struct {
	st  pipeline.State
	rec recorder
}

var exchanges = sync.Pool{New: func() any { return new(exchange) }}

// serve is the whole request path on one listener.
func (rt *Runtime) serve(l *listener, w http.ResponseWriter, r *http.Request) {
	ex := exchanges.Get().(*exchange)
	st, rec := &ex.st, &ex.rec
	st.Start = time.Now()
	rec.reset(w, l.writeTimeout, st.Start)
	st.Writer = rec

	c := l.trust.Resolve(r)
	st.ClientIP, st.Peer, st.PeerTrusted, st.Scheme, st.Host = c.IP, c.Peer, c.PeerTrusted, c.Scheme, c.Host

	r = pipeline.WithState(r, st)
	in := rt.intake(l, r, st)
	// The request and the response share the one-element slice; its
	// capacity of 1 makes any append copy rather than alias.
	w.Header()["X-Request-Id"] = r.Header["X-Request-Id"][:1:1]
	var span pipeline.Span
	if rt.opts.Tracer != nil {
		span = rt.opts.Tracer.Start(r, st)
	}
	if err := rt.handle(rec, r, st, in); err != nil {
		pipeline.WriteError(rec, r, err)
	}
	status := rec.status
	if st.ClientGone && status == 0 {
		status = 499
	}
	if span != nil {
		span.End(st, status)
	}
	if rt.opts.AccessLog != nil {
		rt.opts.AccessLog.Log(r, st, status, rec.bytes)
	}
	st.Reset()
	rec.reset(nil, 0, time.Time{})
	exchanges.Put(ex)
}

var (
	errTooManyHeaders = pipeline.NewError(http.StatusRequestHeaderFieldsTooLarge, "too many request headers")
	errTargetForm     = pipeline.NewError(http.StatusBadRequest, "request target must be an absolute path (origin-form)")
	errNoRoute        = pipeline.NewError(http.StatusNotFound, "no route matched")
)

// intakeResult is what the intake decided: an error to answer, the
// health endpoint, or the routing result.
type intakeResult struct {
	err     *pipeline.Error
	badHost bool // err is the Host's
	health  bool
	match   router.Result
}

// intake is every step from the request as net/http parsed it to the
// matched route, in one place that serving and explain share, so the two
// cannot disagree: header hygiene, the gateway's own headers, the request
// target, path normalisation, the health endpoint and the route match.
// It sets st.Path and st.RequestID.
func (rt *Runtime) intake(l *listener, r *http.Request, st *pipeline.State) intakeResult {
	lines, seen := scanHeader(r.Header)
	// Header hygiene first: a header the client names in Connection is
	// gone before the gateway sets its own, so a client cannot strip one
	// ("Connection: X-Request-ID"), and before routing, so no route
	// matches on a header the service never gets.
	if seen&seenUpgrade != 0 {
		stripH2C(r.Header)
	}
	if seen&seenConnection != 0 {
		dropConnectionListed(r.Header)
	}
	rt.stripHeaders(r.Header, st.PeerTrusted)
	ids := r.Header["X-Request-Id"]
	if len(ids) != 1 || !validRequestID(ids[0]) {
		ids = []string{newRequestID()}
		r.Header["X-Request-Id"] = ids
	}
	st.RequestID = ids[0]
	st.AcceptEncoding = r.Header["Accept-Encoding"]
	if rt.opts.Tracer == nil {
		// Without an exporter the trace context is still continued
		// (the tracer does it when there is one).
		st.TraceID = tracecontext.Continue(r.Header)
	}
	if l.maxHeaderCount > 0 && lines > l.maxHeaderCount {
		return intakeResult{err: errTooManyHeaders}
	}
	// Absolute-form ("GET http://host/x") and asterisk-form targets are
	// refused: net/http discards the Host header of an absolute-form
	// request, so a disagreement with it could not even be seen.
	raw := r.RequestURI
	if raw == "" || raw[0] != '/' || r.URL.Opaque != "" {
		return intakeResult{err: errTargetForm}
	}
	if err := checkHost(r.Host); err != nil {
		return intakeResult{err: errBadHost, badHost: true}
	}
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		raw = raw[:i]
	}
	path, err := router.Normalize(raw, rt.decodeSep)
	if err != nil {
		return intakeResult{err: pipeline.NewError(http.StatusBadRequest, err.Error())}
	}
	st.Path = path
	if l.healthPath != "" && path == l.healthPath {
		return intakeResult{health: true}
	}
	return intakeResult{match: rt.table.Match(r, r.Host, path)}
}

// handle acts on the intake's decision: an error, the health answer, a
// 404 or 405, or the route's chain.
func (rt *Runtime) handle(w http.ResponseWriter, r *http.Request, st *pipeline.State, in intakeResult) error {
	switch {
	case in.err != nil:
		return in.err
	case in.health:
		writeHealth(w, r)
		return nil
	}
	res := in.match
	if res.Index < 0 {
		return rt.unmatched(w, r, res)
	}
	rte := rt.routes[res.Index]
	st.Route, st.Service = rte.name, rte.service
	for _, c := range res.Captures {
		st.Captures = append(st.Captures, pipeline.Capture{Name: c.Name, Value: c.Value})
	}
	return rte.chain.Serve(w, r)
}

// dropConnectionListed removes the fields a client named in Connection
// before any policy runs. The proxy removes them in any case (RFC 9110,
// 7.6.1); removing them only there would let a client strip a header a
// policy set, such as an identity header, with "Connection: X-User-ID".
// The tokens net/http and the proxy still act on (upgrade, keep-alive,
// close) stay in Connection.
func dropConnectionListed(h http.Header) {
	conn := h["Connection"]
	if len(conn) == 0 {
		return
	}
	var keep []string
	for _, f := range conn {
		for sf := range strings.SplitSeq(f, ",") {
			sf = textproto.TrimString(sf)
			switch {
			case sf == "":
			case strings.EqualFold(sf, "upgrade"), strings.EqualFold(sf, "keep-alive"), strings.EqualFold(sf, "close"):
				keep = append(keep, sf)
			default:
				delete(h, textproto.CanonicalMIMEHeaderKey(sf))
			}
		}
	}
	if len(keep) == 0 {
		delete(h, "Connection")
		return
	}
	h["Connection"] = []string{strings.Join(keep, ", ")}
}

// Header names scanHeader reports, so that the rarer clean-ups run only
// when there is something to clean.
const (
	seenUpgrade = 1 << iota
	seenConnection
)

// scanHeader counts the header lines as the client sent them (Host
// aside) and, in the same pass, notes Upgrade and Connection and drops
// the fields whose names hold an underscore, as nginx does by default:
// CGI-style servers (WSGI, PHP, Rack) map "-" and "_" to the same
// variable, so "X_User_ID" from a client would reach them as the
// X-User-ID the gateway vouches for.
func scanHeader(h http.Header) (lines, seen int) {
	for k, vs := range h {
		lines += len(vs)
		switch {
		case k == "Upgrade":
			seen |= seenUpgrade
		case k == "Connection":
			seen |= seenConnection
		case strings.IndexByte(k, '_') >= 0:
			delete(h, k)
		}
	}
	return lines, seen
}

// stripH2C drops a cleartext HTTP/2 upgrade: the gateway speaks HTTP/1.1
// to services and must not let a client switch a pooled connection's
// protocol behind its back.
func stripH2C(h http.Header) {
	for _, v := range h["Upgrade"] {
		if strings.Contains(strings.ToLower(v), "h2c") {
			delete(h, "Upgrade")
			delete(h, "Http2-Settings")
			return
		}
	}
}

var healthBody = []byte("{\"status\":\"ok\"}\n")

func writeHealth(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	h["Cache-Control"] = []string{"no-store"}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(healthBody)
	}
}

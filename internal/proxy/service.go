// Package proxy is the terminal handler of every route: it sends the
// request to a target of the route's service with clean headers, streams
// both bodies, and turns upstream failures into JSON errors.
package proxy

import (
	"log/slog"
	"net/http"
	"net/http/httputil"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/pipeline"
	"github.com/gatehouse/gatehouse/internal/upstream"
)

// Service is one upstream service: its targets and its connection pool.
type Service struct {
	Name      string
	Pool      *upstream.Pool
	Transport Transport
	rp        *httputil.ReverseProxy
	// up, when set by UseUpstream, picks the target of every attempt.
	up *upstream.Upstream
	// plain: every target is http:// behind the lean HTTP/1.1 transport,
	// so the common exchange may take the fast path (forward.go).
	plain bool
}

// NewService builds the proxy for one service.
func NewService(name string, pool *upstream.Pool, tr Transport, logger *slog.Logger) *Service {
	s := &Service{Name: name, Pool: pool, Transport: tr, plain: plainTargets(pool, tr)}
	s.rp = &httputil.ReverseProxy{
		Rewrite:        rewrite,
		Transport:      tr,
		BufferPool:     sharedBuffers,
		ErrorHandler:   handleError,
		ModifyResponse: modifyResponse,
		ErrorLog:       slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	return s
}

var sharedBuffers = newBufferPool(1024)

// Close drops the service's idle connections (after a reload drained it).
func (s *Service) Close() {
	s.Transport.CloseIdleConnections()
	s.Release()
}

// Release gives back the upstream state but keeps the connection pool,
// which a newer runtime may share (the state pool closes it once no
// runtime uses it).
func (s *Service) Release() {
	if s.up != nil {
		s.up.Release()
	}
}

// Serve proxies r, which must carry a pipeline.State whose Runtime is the
// *Route. It is the terminal pipeline.Handler of a route chain.
func Serve(w http.ResponseWriter, r *http.Request) error {
	st := pipeline.FromRequest(r)
	rt := st.Runtime.(*Route)
	st.UpstreamStart = time.Now()
	if rt.Service.plain && r.ProtoMajor == 1 && len(r.Trailer) == 0 && len(r.Header["Upgrade"]) == 0 &&
		r.Method != http.MethodConnect {
		rt.Service.forward(w, r, st, rt)
		return nil
	}
	rt.Service.rp.ServeHTTP(w, r)
	return nil
}

func rewrite(pr *httputil.ProxyRequest) {
	dropSpoofable(pr.Out.Header)
	st := pipeline.FromRequest(pr.In)
	rewriteOut(pr.In, pr.Out, st, st.Runtime.(*Route))
}

// rewriteOut aims the outgoing request at the service: target, path, Host
// and the rebuilt X-Forwarded-* headers.
func rewriteOut(in, out *http.Request, st *pipeline.State, rt *Route) {
	if rt.Service.up != nil {
		// The upstream's transport picks the target (and adds its base
		// path) per attempt.
		out.URL.Path = rt.upstreamPath(st, "")
	} else {
		t := rt.Service.Pool.Pick()
		out.URL.Scheme = t.Scheme
		out.URL.Host = t.Host
		out.URL.Path = rt.upstreamPath(st, t.BasePath)
	}
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

// streamingWriter is implemented by the gateway's response writer so the
// proxy can lift the write deadline for long-lived streams.
type streamingWriter interface {
	// ResponseStarted is called when upstream headers arrive; stream says
	// the body is an event stream with no natural end.
	ResponseStarted(stream bool)
}

func modifyResponse(resp *http.Response) error {
	st := pipeline.FromRequest(resp.Request)
	st.UpstreamLatency = time.Since(st.UpstreamStart)
	// The gateway already set the one X-Request-ID the client sees.
	delete(resp.Header, "X-Request-Id")
	if sw, ok := st.Writer.(streamingWriter); ok {
		sw.ResponseStarted(isEventStream(resp) || resp.StatusCode == http.StatusSwitchingProtocols)
	}
	rt := st.Runtime.(*Route)
	for _, p := range rt.Response {
		if err := p.ModifyResponse(resp, st); err != nil {
			return err
		}
	}
	return nil
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

func plainTargets(pool *upstream.Pool, tr Transport) bool {
	if _, ok := tr.(*h1Transport); !ok {
		return false
	}
	for _, t := range pool.Targets() {
		if t.Scheme != "http" {
			return false
		}
	}
	return true
}

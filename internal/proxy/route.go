package proxy

import (
	"net/http"
	"net/http/httputil"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// RouteSettings are what a route's terminal handler is built from.
type RouteSettings struct {
	Service      *Service
	StripPrefix  string
	Rewrite      *PathTemplate
	PreserveHost bool
	// Resilience is the route's retries, timeouts and fallback (nil: none).
	Resilience *Resilience
	// BufferBody reads a request body of up to this many bytes before the
	// service is contacted, so a slow upload does not hold a connection
	// to it; 0 streams every body.
	BufferBody int64
	// BodyMemory is the gateway-wide cap on bodies held in memory.
	BodyMemory *BodyMemory
	// GRPCWeb translates gRPC-Web calls into gRPC for the service.
	GRPCWeb bool
}

// Route is a route's terminal handler, built once per config with its
// service, resilience settings and response policies bound: serving a
// request looks nothing up.
type Route struct {
	RouteSettings
	// response policies run on the service's response, in order.
	response []pipeline.ResponsePolicy
	// upgrades (WebSocket and other protocol switches) go through
	// ReverseProxy, which alone handles the hijacked connection.
	upgrades *httputil.ReverseProxy
}

var defaultResilience = &Resilience{}

// NewRoute builds the terminal handler of one route.
func NewRoute(s RouteSettings, response []pipeline.ResponsePolicy) *Route {
	if s.Resilience == nil {
		s.Resilience = defaultResilience
	}
	rt := &Route{RouteSettings: s, response: response}
	rt.upgrades = &httputil.ReverseProxy{
		Rewrite:        rt.rewrite,
		Transport:      routeTransport{rt},
		BufferPool:     sharedBuffers,
		ErrorHandler:   rt.fail,
		ModifyResponse: rt.modifyResponseOf,
		ErrorLog:       s.Service.errorLog,
	}
	return rt
}

// Serve proxies r, which carries the request's pipeline.State. It is the
// terminal pipeline.Handler of the route's chain.
func (rt *Route) Serve(w http.ResponseWriter, r *http.Request) error {
	st := pipeline.FromRequest(r)
	st.UpstreamStart = time.Now()
	if len(r.Header["Upgrade"]) > 0 || r.Method == http.MethodConnect {
		rt.upgrades.ServeHTTP(w, r)
		return nil
	}
	rt.forward(w, r, st)
	return nil
}

// UpstreamPath is the path the service would receive for a request
// routed here with state st (below any target base path).
func (rt *Route) UpstreamPath(st *pipeline.State) string { return rt.upstreamPath(st) }

// upstreamPath is the normalised path after strip_prefix or rewrite.
func (rt *Route) upstreamPath(st *pipeline.State) string {
	switch {
	case st.UpstreamPath != "":
		return st.UpstreamPath
	case rt.Rewrite != nil:
		return rt.Rewrite.Expand(st)
	case rt.StripPrefix != "":
		return stripPrefix(st.Path, rt.StripPrefix)
	}
	return st.Path
}

// stripPrefix removes prefix at a segment boundary; "/api" from "/api"
// leaves "/", from "/api/x" leaves "/x".
func stripPrefix(p, prefix string) string {
	prefix = strings.TrimSuffix(prefix, "/")
	rest, ok := strings.CutPrefix(p, prefix)
	if !ok || (rest != "" && rest[0] != '/') {
		return p
	}
	if rest == "" {
		return "/"
	}
	return rest
}

// PathTemplate is a rewrite target with {capture} references, compiled once.
type PathTemplate struct {
	parts []pathPart
}

type pathPart struct {
	lit     string
	capture string
}

// CompilePathTemplate parses "/v2/users/{id}". Validation of the capture
// names happens in config; here an unclosed brace is kept literally.
func CompilePathTemplate(s string) *PathTemplate {
	t := &PathTemplate{}
	for s != "" {
		i := strings.IndexByte(s, '{')
		j := -1
		if i >= 0 {
			j = strings.IndexByte(s[i:], '}')
		}
		if i < 0 || j < 0 {
			t.parts = append(t.parts, pathPart{lit: s})
			break
		}
		if i > 0 {
			t.parts = append(t.parts, pathPart{lit: s[:i]})
		}
		t.parts = append(t.parts, pathPart{capture: s[i+1 : i+j]})
		s = s[i+j+1:]
	}
	return t
}

// Expand fills in the captures of st.
func (t *PathTemplate) Expand(st *pipeline.State) string {
	var b strings.Builder
	for _, p := range t.parts {
		if p.capture == "" {
			b.WriteString(p.lit)
			continue
		}
		v, _ := st.Capture(p.capture)
		b.WriteString(v)
	}
	return b.String()
}

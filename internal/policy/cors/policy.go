package cors

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// Policy is the built cors policy. Header values are joined once here;
// a request only picks them.
type Policy struct {
	origins        origins
	anyOrigin      bool // "*" is answered as "*" (never with credentials)
	methods        []string
	headers        []string // nil: echo the preflight's request
	exposed        []string
	credentials    bool
	maxAge         []string
	privateNetwork bool
}

var (
	valTrue = one("true")
	valStar = one("*")
	// Vary: Origin on every answer whose headers depend on the Origin,
	// so a shared cache never serves one origin's answer to another.
	valVaryOrigin = one("Origin")
)

// Build compiles the settings.
func (s *Spec) Build(pipeline.BuildContext) (pipeline.Policy, error) {
	p := &Policy{origins: compileOrigins(s.Origins), credentials: s.Credentials, privateNetwork: s.PrivateNetwork}
	p.anyOrigin = p.origins.any || len(s.Origins) == 0
	methods := s.Methods
	if len(methods) == 0 {
		methods = DefaultMethods
	}
	up := make([]string, len(methods))
	for i, m := range methods {
		up[i] = strings.ToUpper(m)
	}
	p.methods = one(strings.Join(up, ", "))
	if len(s.Headers) > 0 {
		p.headers = one(strings.Join(s.Headers, ", "))
	}
	if len(s.ExposedHeaders) > 0 {
		p.exposed = one(strings.Join(s.ExposedHeaders, ", "))
	}
	if secs := int64(s.MaxAge.D().Seconds()); secs > 0 {
		p.maxAge = one(strconv.FormatInt(secs, 10))
	}
	return p, nil
}

// one is a value slice whose capacity is its length, so that appending
// to a header built from it copies rather than writes into it.
func one(v string) []string { return []string{v}[:1:1] }

// Handle answers a preflight itself (204) and adds the allow headers to
// any other request from an allowed origin, whatever answers it: the
// service, or an error such as a 401 the script must be able to read.
func (p *Policy) Handle(w http.ResponseWriter, r *http.Request, next pipeline.Handler) error {
	origin := r.Header["Origin"]
	h := w.Header()
	if !p.anyOrigin {
		if v := h["Vary"]; len(v) == 0 {
			h["Vary"] = valVaryOrigin
		} else {
			h["Vary"] = append(v, "Origin")
		}
	}
	if len(origin) != 1 {
		return next(w, r)
	}
	allowed := p.origins.allowed(origin[0]) || p.anyOrigin
	if r.Method == http.MethodOptions && len(r.Header["Access-Control-Request-Method"]) > 0 {
		if allowed {
			p.preflight(h, r, origin[:1:1])
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	if allowed {
		p.allow(h, origin[:1:1])
		if p.exposed != nil {
			h["Access-Control-Expose-Headers"] = p.exposed
		}
	}
	return next(w, r)
}

func (p *Policy) allow(h http.Header, origin []string) {
	if p.anyOrigin {
		h["Access-Control-Allow-Origin"] = valStar
	} else {
		h["Access-Control-Allow-Origin"] = origin
	}
	if p.credentials {
		h["Access-Control-Allow-Credentials"] = valTrue
	}
}

func (p *Policy) preflight(h http.Header, r *http.Request, origin []string) {
	p.allow(h, origin)
	h["Access-Control-Allow-Methods"] = p.methods
	if p.headers != nil {
		h["Access-Control-Allow-Headers"] = p.headers
	} else if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
		h["Access-Control-Allow-Headers"] = []string{req}
		h["Vary"] = append(h["Vary"], "Access-Control-Request-Headers")
	}
	if p.maxAge != nil {
		h["Access-Control-Max-Age"] = p.maxAge
	}
	if p.privateNetwork && r.Header.Get("Access-Control-Request-Private-Network") == "true" {
		h["Access-Control-Allow-Private-Network"] = valTrue
	}
}

// owned are the headers the gateway alone sets on a route with cors: a
// service's own would make two Access-Control-Allow-Origin, which
// browsers refuse, or widen what the config allows.
var owned = []string{
	"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
	"Access-Control-Expose-Headers", "Access-Control-Allow-Methods",
	"Access-Control-Allow-Headers", "Access-Control-Max-Age",
	"Access-Control-Allow-Private-Network",
}

// ModifyResponse removes the service's CORS headers; the policy's are
// already on the client's response.
func (p *Policy) ModifyResponse(resp *http.Response, _ *pipeline.State) error {
	for _, k := range owned {
		delete(resp.Header, k)
	}
	return nil
}

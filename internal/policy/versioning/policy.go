package versioning

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// Policy is the built api_versioning policy.
type Policy struct {
	source, header, query string
	mediaPrefix           string // "application/vnd.VENDOR.v"
	strip                 bool
	def                   *version
	upstream              string
	versions              map[string]*version
	names                 string // for the error message
}

type version struct {
	name string
	// headers are the deprecation headers, rendered once.
	headers    http.Header
	deprecated bool
}

// Build renders every version's headers once.
func (s *Spec) Build(bc pipeline.BuildContext) (pipeline.Policy, error) {
	p := &Policy{
		source:   s.Source,
		header:   http.CanonicalHeaderKey(s.Header),
		query:    s.Query,
		strip:    s.StripPath,
		upstream: http.CanonicalHeaderKey(s.UpstreamHeader),
		versions: map[string]*version{},
	}
	if p.header == "" {
		p.header = DefaultHeader
	}
	if p.query == "" {
		p.query = DefaultQuery
	}
	if p.upstream == "" {
		p.upstream = DefaultUpstreamHeader
	}
	if s.Vendor != "" {
		p.mediaPrefix = "application/vnd." + strings.ToLower(s.Vendor) + ".v"
	}
	var names []string
	for _, v := range s.Versions {
		ver := &version{name: v.Name}
		if d := v.Deprecation; d != nil {
			ver.deprecated = true
			ver.headers = deprecationHeaders(d)
		}
		p.versions[v.Name] = ver
		names = append(names, v.Name)
	}
	p.names = strings.Join(names, ", ")
	if s.Default != "" {
		p.def = p.versions[s.Default]
	}
	return p, nil
}

// deprecationHeaders renders RFC 9745's Deprecation (a structured-field
// date, "@" and Unix seconds), RFC 8594's Sunset (an HTTP-date) and the
// Link relations both define.
func deprecationHeaders(d *Deprecation) http.Header {
	h := http.Header{}
	if since, err := time.Parse(time.RFC3339, d.Since); err == nil {
		h.Set("Deprecation", "@"+strconv.FormatInt(since.Unix(), 10))
	}
	if sunset, err := time.Parse(time.RFC3339, d.Sunset); err == nil {
		h.Set("Sunset", sunset.UTC().Format(http.TimeFormat))
	}
	if d.Link != "" {
		h.Add("Link", "<"+d.Link+`>; rel="deprecation"; type="text/html"`)
	}
	if d.SunsetLink != "" {
		h.Add("Link", "<"+d.SunsetLink+`>; rel="sunset"; type="text/html"`)
	}
	return h
}

// OwnedHeaders implements pipeline.HeaderOwner: the service learns the
// version from the gateway only.
func (p *Policy) OwnedHeaders() []string { return []string{p.upstream} }

// Handle picks the version, refuses an unknown one with 400, tells the
// service, and announces a deprecation on the response.
func (p *Policy) Handle(w http.ResponseWriter, r *http.Request, next pipeline.Handler) error {
	st := pipeline.FromRequest(r)
	name, rest, found := p.requested(r, st)
	var v *version
	switch {
	case found:
		if v = p.versions[name]; v == nil {
			return pipeline.NewError(http.StatusBadRequest, "unsupported API version "+strconv.Quote(name)+" (supported: "+p.names+")")
		}
	case p.def != nil:
		v = p.def
	default:
		return pipeline.NewError(http.StatusBadRequest, "API version required (supported: "+p.names+")")
	}
	r.Header[p.upstream] = []string{v.name}
	if found && p.strip && st != nil {
		st.UpstreamPath = rest
	}
	if v.deprecated {
		h := w.Header()
		for k, vs := range v.headers {
			h[k] = append(h[k], vs...)
		}
		consumer := "anonymous"
		route := ""
		if st != nil {
			route = st.Route
			if st.Consumer != nil {
				consumer = st.Consumer.Name
			}
		}
		metrics.DeprecatedAPICalls.WithLabelValues(route, v.name, consumer).Inc()
	}
	return next(w, r)
}

// requested returns the version the request names, if any, and for the
// path source the path without its version segment.
func (p *Policy) requested(r *http.Request, st *pipeline.State) (name, rest string, found bool) {
	switch p.source {
	case SourceHeader:
		if vs := r.Header[p.header]; len(vs) > 0 && vs[0] != "" {
			return strings.TrimPrefix(strings.TrimSpace(vs[0]), "v"), "", true
		}
	case SourceQuery:
		if v := r.URL.Query().Get(p.query); v != "" {
			return strings.TrimPrefix(v, "v"), "", true
		}
	case SourcePath:
		path := r.URL.Path
		if st != nil && st.Path != "" {
			path = st.Path
		}
		seg, after, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
		// "v" and a digit: /values is not version "alues".
		if len(seg) > 1 && (seg[0] == 'v' || seg[0] == 'V') && seg[1] >= '0' && seg[1] <= '9' {
			return seg[1:], "/" + after, true
		}
	case SourceMediaType:
		for _, accept := range r.Header["Accept"] {
			for part := range strings.SplitSeq(accept, ",") {
				mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
				if err != nil {
					continue
				}
				if v, ok := strings.CutPrefix(mt, p.mediaPrefix); ok {
					// application/vnd.example.v2+json, or .v2 with no suffix
					if i := strings.IndexByte(v, '+'); i >= 0 {
						v = v[:i]
					}
					if v != "" {
						return v, "", true
					}
				}
			}
		}
	}
	return "", "", false
}

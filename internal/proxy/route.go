package proxy

import (
	"strings"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// Route is what the proxy needs to know of the matched route: where to
// send the request and how to shape its path and host.
type Route struct {
	Service      *Service
	StripPrefix  string
	Rewrite      *PathTemplate
	PreserveHost bool
	// Response policies run on the upstream's response, in order.
	Response []pipeline.ResponsePolicy
	// Resilience is the route's retries, timeouts and fallback (nil: none).
	Resilience *Resilience
}

// upstreamPath is the path sent upstream: the normalised path after
// strip_prefix or rewrite, below the target's base path.
func (rt *Route) upstreamPath(st *pipeline.State, basePath string) string {
	p := st.Path
	switch {
	case rt.Rewrite != nil:
		p = rt.Rewrite.Expand(st)
	case rt.StripPrefix != "":
		p = stripPrefix(p, rt.StripPrefix)
	}
	if basePath == "" {
		return p
	}
	if p == "/" {
		return basePath + "/"
	}
	return basePath + p
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

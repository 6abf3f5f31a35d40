package pipeline

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Template is a header value with {variables}, compiled once per config.
// Variables: request_id, client_ip, route, service, host, method, path,
// scheme, consumer, latency, upstream_latency, header.NAME (a request
// header), query.NAME (a query parameter) and claim.PATH (a verified
// token claim). "{{" and "}}" are literal braces.
type Template struct {
	parts []tplPart
	// static is set when the template has no variables.
	static  string
	isConst bool
}

type tplPart struct {
	lit  string
	vr   tplVar
	name string // header name for varHeader
}

type tplVar int

const (
	varNone tplVar = iota
	varRequestID
	varClientIP
	varRoute
	varService
	varHost
	varMethod
	varPath
	varScheme
	varHeader
	varQuery
	varClaim
	varConsumer
	varLatency
	varUpstreamLatency
)

var tplVars = map[string]tplVar{
	"request_id": varRequestID,
	"client_ip":  varClientIP,
	"route":      varRoute,
	"service":    varService,
	"host":       varHost,
	"method":     varMethod,
	"path":       varPath,
	"scheme":     varScheme,
	// Timings in milliseconds with microsecond precision ("12.345"):
	// latency since the request arrived, upstream_latency from the request
	// sent to the service's response head. Meaningful in response headers.
	"latency":          varLatency,
	"upstream_latency": varUpstreamLatency,
	"consumer":         varConsumer,
}

// TemplateVariables lists the variable names for error messages and docs.
const TemplateVariables = "request_id, client_ip, route, service, host, method, path, scheme, consumer, latency, upstream_latency, header.NAME, query.NAME, claim.PATH"

// CompileTemplate parses s; an unknown variable or unbalanced brace is an error.
func CompileTemplate(s string) (*Template, error) {
	t := &Template{}
	var lit strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '{' && i+1 < len(s) && s[i+1] == '{':
			lit.WriteByte('{')
			i++
		case c == '}' && i+1 < len(s) && s[i+1] == '}':
			lit.WriteByte('}')
			i++
		case c == '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return nil, fmt.Errorf("unclosed \"{\" at offset %d", i)
			}
			name := s[i+1 : i+end]
			part, err := templateVar(name)
			if err != nil {
				return nil, err
			}
			if lit.Len() > 0 {
				t.parts = append(t.parts, tplPart{lit: lit.String()})
				lit.Reset()
			}
			t.parts = append(t.parts, part)
			i += end
		case c == '}':
			return nil, fmt.Errorf("unmatched \"}\" at offset %d (write \"}}\" for a literal brace)", i)
		default:
			lit.WriteByte(c)
		}
	}
	if lit.Len() > 0 {
		t.parts = append(t.parts, tplPart{lit: lit.String()})
	}
	switch {
	case len(t.parts) == 0:
		t.isConst = true
	case len(t.parts) == 1 && t.parts[0].vr == varNone:
		t.isConst, t.static = true, t.parts[0].lit
	}
	return t, nil
}

func templateVar(name string) (tplPart, error) {
	if h, ok := strings.CutPrefix(name, "header."); ok {
		if h == "" {
			return tplPart{}, fmt.Errorf("empty header name in {%s}", name)
		}
		return tplPart{vr: varHeader, name: http.CanonicalHeaderKey(h)}, nil
	}
	if q, ok := strings.CutPrefix(name, "query."); ok {
		if q == "" {
			return tplPart{}, fmt.Errorf("empty query parameter name in {%s}", name)
		}
		return tplPart{vr: varQuery, name: q}, nil
	}
	if c, ok := strings.CutPrefix(name, "claim."); ok {
		if c == "" || strings.HasPrefix(c, ".") || strings.HasSuffix(c, ".") || strings.Contains(c, "..") {
			return tplPart{}, fmt.Errorf("invalid claim path in {%s}: use dotted names like {claim.realm_access.roles}", name)
		}
		return tplPart{vr: varClaim, name: c}, nil
	}
	v, ok := tplVars[name]
	if !ok {
		return tplPart{}, fmt.Errorf("unknown variable {%s} (known: %s)", name, TemplateVariables)
	}
	return tplPart{vr: v}, nil
}

// Expand renders the template for one request.
func (t *Template) Expand(r *http.Request, st *State) string {
	if t.isConst {
		return t.static
	}
	if len(t.parts) == 1 {
		return t.value(t.parts[0], r, st)
	}
	var b strings.Builder
	for _, p := range t.parts {
		b.WriteString(t.value(p, r, st))
	}
	return b.String()
}

func (t *Template) value(p tplPart, r *http.Request, st *State) string {
	switch p.vr {
	case varNone:
		return p.lit
	case varHeader:
		if vs := r.Header[p.name]; len(vs) > 0 {
			return vs[0]
		}
		return ""
	case varMethod:
		return r.Method
	case varQuery:
		return r.URL.Query().Get(p.name)
	}
	if st == nil {
		return ""
	}
	switch p.vr {
	case varRequestID:
		return st.RequestID
	case varClientIP:
		return st.ClientIP
	case varRoute:
		return st.Route
	case varService:
		return st.Service
	case varHost:
		return st.Host
	case varPath:
		return st.Path
	case varScheme:
		return st.Scheme
	case varConsumer:
		if st.Consumer != nil {
			return st.Consumer.Name
		}
	case varClaim:
		return claimString(st.Claims, p.name)
	case varLatency:
		return millis(time.Since(st.Start))
	case varUpstreamLatency:
		return millis(st.UpstreamLatency)
	}
	return ""
}

// millis renders d as milliseconds with microsecond precision.
func millis(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 3, 64)
}

// claimString renders the claim at a dotted path: strings as they are,
// numbers and booleans as JSON writes them, lists joined with spaces.
func claimString(claims map[string]any, path string) string {
	var cur any = claims
	for seg := range strings.SplitSeq(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = m[seg]
	}
	return ScalarValue(cur)
}

// ScalarValue renders a JSON-decoded value for a header or template.
func ScalarValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, ScalarValue(e))
		}
		return strings.Join(parts, " ")
	}
	b, _ := json.Marshal(v)
	return string(b)
}

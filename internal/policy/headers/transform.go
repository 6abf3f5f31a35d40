package headers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// Build compiles the transform.
func (s *TransformSpec) Build(bc pipeline.BuildContext) (pipeline.Policy, error) {
	t := &transform{max: s.MaxBodyBytes, log: bc.Logger, route: bc.Route}
	if t.max == 0 {
		t.max = DefaultMaxBodyBytes
	}
	if t.log == nil {
		t.log = slog.Default()
	}
	if s.Headers != nil {
		h, err := s.Headers.Build(pipeline.BuildContext{})
		if err != nil {
			return nil, err
		}
		switch p := h.(type) {
		case *requestPolicy:
			t.headers = &p.ops
		case *responsePolicy:
			t.headers = &p.ops
		}
	}
	var err error
	if s.Query != nil {
		if t.query, err = buildQuery(s.Query); err != nil {
			return nil, err
		}
	}
	if s.Path != nil {
		if t.path, err = buildPath(s.Path); err != nil {
			return nil, err
		}
	}
	if s.Body != nil {
		if t.body, err = buildBody(s.Body); err != nil {
			return nil, err
		}
	}
	if s.forRequest {
		return &requestTransform{t}, nil
	}
	return &responseTransform{t}, nil
}

type transform struct {
	headers *ops
	query   *queryOps
	path    *pathOps
	body    *bodyOps
	max     int64
	log     *slog.Logger
	route   string
}

type queryOps struct {
	remove   []string
	rename   [][2]string
	set, add []namedTemplate
}

type namedTemplate struct {
	name string
	tpl  *pipeline.Template
}

type pathOps struct {
	re      *regexp.Regexp // nil: every path
	replace *pathReplace
}

func buildQuery(q *QuerySpec) (*queryOps, error) {
	o := &queryOps{remove: q.Remove}
	for _, k := range sortedKeys(q.Rename) {
		o.rename = append(o.rename, [2]string{k, q.Rename[k]})
	}
	var err error
	if o.set, err = namedTemplates(q.Set); err != nil {
		return nil, err
	}
	if o.add, err = namedTemplates(q.Add); err != nil {
		return nil, err
	}
	return o, nil
}

func namedTemplates(m map[string]string) ([]namedTemplate, error) {
	var out []namedTemplate
	for _, k := range sortedKeys(m) {
		t, err := pipeline.CompileTemplate(m[k])
		if err != nil {
			return nil, err
		}
		out = append(out, namedTemplate{k, t})
	}
	return out, nil
}

func buildPath(p *PathSpec) (*pathOps, error) {
	o := &pathOps{}
	if p.Regex != "" {
		re, err := regexp.Compile(p.Regex)
		if err != nil {
			return nil, err
		}
		o.re = re
	}
	pr, err := compilePathReplace(p.Replace)
	if err != nil {
		return nil, err
	}
	o.replace = pr
	return o, nil
}

// reqTemplate binds a compiled template to a request for bodyOps.
type reqTemplate struct{ tpl *pipeline.Template }

type reqCtx struct {
	r  *http.Request
	st *pipeline.State
}

func (t reqTemplate) render(ctx any) string {
	c := ctx.(*reqCtx)
	return t.tpl.Expand(c.r, c.st)
}

func buildBody(b *BodySpec) (*bodyOps, error) {
	o := &bodyOps{}
	paths := func(list []string) ([]fieldPath, error) {
		var out []fieldPath
		for _, f := range list {
			p, err := parseFieldPath(f)
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
		return out, nil
	}
	var err error
	if o.remove, err = paths(b.Remove); err != nil {
		return nil, err
	}
	if o.deny, err = paths(b.Deny); err != nil {
		return nil, err
	}
	if len(b.Allow) > 0 {
		allow, err := paths(b.Allow)
		if err != nil {
			return nil, err
		}
		o.allow = &fieldTree{}
		for _, p := range allow {
			o.allow.insert(p)
		}
	}
	for _, k := range sortedKeys(b.Rename) {
		from, err1 := parseFieldPath(k)
		to, err2 := parseFieldPath(b.Rename[k])
		if err := errors.Join(err1, err2); err != nil {
			return nil, err
		}
		o.rename = append(o.rename, fieldRename{from, to})
	}
	for _, op := range []struct {
		m   map[string]string
		dst *[]fieldValue
	}{{b.Set, &o.set}, {b.Add, &o.add}} {
		for _, k := range sortedKeys(op.m) {
			p, err := parseFieldPath(k)
			if err != nil {
				return nil, err
			}
			t, err := pipeline.CompileTemplate(op.m[k])
			if err != nil {
				return nil, err
			}
			*op.dst = append(*op.dst, fieldValue{p, reqTemplate{t}})
		}
	}
	return o, nil
}

// isJSON accepts application/json and any +json media type.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

// readLimited reads up to max bytes of body; over says there was more,
// in which case rest is the whole body, unread part included.
func readLimited(body io.ReadCloser, max int64) (b []byte, over bool, rest io.ReadCloser, err error) {
	b, err = io.ReadAll(io.LimitReader(body, max+1))
	if err != nil {
		return nil, false, nil, err
	}
	if int64(len(b)) > max {
		return nil, true, readCloser{io.MultiReader(bytes.NewReader(b), body), body}, nil
	}
	body.Close()
	return b, false, nil, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// skipped logs why a body passed untouched: the operator asked for a
// transform that did not happen.
func (t *transform) skipped(st *pipeline.State, what, why string) {
	rid := ""
	if st != nil {
		rid = st.RequestID
	}
	t.log.Info("body not transformed", "policy", what, "route", t.route, "request_id", rid, "reason", why)
}

type requestTransform struct{ *transform }

// Handle rewrites the request on its way to the service.
func (p *requestTransform) Handle(w http.ResponseWriter, r *http.Request, next pipeline.Handler) error {
	st := pipeline.FromRequest(r)
	if p.headers != nil {
		p.headers.apply(r.Header, r, st)
	}
	if p.query != nil {
		p.applyQuery(r, st)
	}
	if p.path != nil && st != nil {
		p.applyPath(st)
	}
	if p.body != nil && r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 {
		if err := p.applyRequestBody(r, st); err != nil {
			return err
		}
	}
	return next(w, r)
}

func (p *requestTransform) applyQuery(r *http.Request, st *pipeline.State) {
	q := r.URL.Query()
	for _, n := range p.query.remove {
		q.Del(n)
	}
	for _, rn := range p.query.rename {
		if vs, ok := q[rn[0]]; ok {
			delete(q, rn[0])
			q[rn[1]] = vs
		}
	}
	for _, s := range p.query.set {
		q.Set(s.name, s.tpl.Expand(r, st))
	}
	for _, a := range p.query.add {
		if !q.Has(a.name) {
			q.Set(a.name, a.tpl.Expand(r, st))
		}
	}
	r.URL.RawQuery = q.Encode()
}

func (p *requestTransform) applyPath(st *pipeline.State) {
	var m []string
	if p.path.re != nil {
		if m = p.path.re.FindStringSubmatch(st.Path); m == nil {
			return
		}
	}
	var b strings.Builder
	for i, name := range p.path.replace.names {
		b.WriteString(p.path.replace.lits[i])
		b.WriteString(p.lookupName(name, m, st))
	}
	b.WriteString(p.path.replace.lits[len(p.path.replace.names)])
	st.UpstreamPath = b.String()
}

// lookupName resolves {name}: a named group of the regex first, then a
// capture of the route.
func (p *requestTransform) lookupName(name string, m []string, st *pipeline.State) string {
	if p.path.re != nil {
		if i := p.path.re.SubexpIndex(name); i > 0 {
			return m[i]
		}
	}
	v, _ := st.Capture(name)
	return v
}

func (p *requestTransform) applyRequestBody(r *http.Request, st *pipeline.State) error {
	if !isJSON(r.Header.Get("Content-Type")) {
		p.skipped(st, "request_transform", "not JSON")
		return nil
	}
	if r.ContentLength > p.max {
		p.skipped(st, "request_transform", "larger than max_body_bytes")
		return nil
	}
	b, over, rest, err := readLimited(r.Body, p.max)
	if err != nil {
		return pipeline.Wrap(http.StatusBadRequest, "could not read the request body", err)
	}
	if over {
		r.Body = rest
		p.skipped(st, "request_transform", "larger than max_body_bytes")
		return nil
	}
	out, err := p.body.transform(b, &reqCtx{r, st})
	if err != nil {
		r.Body = io.NopCloser(bytes.NewReader(b))
		p.skipped(st, "request_transform", "not a JSON object: "+err.Error())
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(out))
	r.ContentLength = int64(len(out))
	r.TransferEncoding = nil
	r.Header["Content-Length"] = []string{strconv.Itoa(len(out))}
	return nil
}

type responseTransform struct{ *transform }

// Handle asks the service for an identity-encoded body when the body is
// to be transformed: a compressed one could not be read.
func (p *responseTransform) Handle(w http.ResponseWriter, r *http.Request, next pipeline.Handler) error {
	if p.body != nil {
		delete(r.Header, "Accept-Encoding")
	}
	return next(w, r)
}

// ModifyResponse transforms the service's response before its head is
// written: headers, then the JSON body with Content-Length and ETag
// recomputed.
func (p *responseTransform) ModifyResponse(resp *http.Response, st *pipeline.State) error {
	if p.headers != nil {
		p.headers.apply(resp.Header, resp.Request, st)
	}
	if p.body == nil {
		return nil
	}
	if !hasBody(resp) {
		p.bodiless(resp)
		return nil
	}
	switch {
	case !isJSON(resp.Header.Get("Content-Type")):
		p.skipped(st, "response_transform", "not JSON")
		return nil
	case resp.Header.Get("Content-Encoding") != "" && !strings.EqualFold(resp.Header.Get("Content-Encoding"), "identity"):
		p.skipped(st, "response_transform", "content-encoded")
		return nil
	case resp.ContentLength > p.max:
		p.skipped(st, "response_transform", "larger than max_body_bytes")
		return nil
	}
	b, over, rest, err := readLimited(resp.Body, p.max)
	if err != nil {
		return err // the service's body broke: a 502, as any upstream read failure
	}
	if over {
		resp.Body = rest
		p.skipped(st, "response_transform", "larger than max_body_bytes")
		return nil
	}
	out, err := p.body.transform(b, &reqCtx{resp.Request, st})
	if err != nil {
		out = b
		p.skipped(st, "response_transform", "not a JSON object: "+err.Error())
	} else if len(resp.Header["Etag"]) > 0 {
		// The service's validator names its bytes, not ours: a strong
		// ETag of what the client gets keeps caches honest.
		sum := sha256.Sum256(out)
		resp.Header["Etag"] = []string{`"` + hex.EncodeToString(sum[:12]) + `"`}
	}
	resp.Body = io.NopCloser(bytes.NewReader(out))
	resp.ContentLength = int64(len(out))
	resp.TransferEncoding = nil
	resp.Header["Content-Length"] = []string{strconv.Itoa(len(out))}
	return nil
}

// bodiless fixes the validators of answers that describe a body without
// carrying it (HEAD, 304): the service's ETag and length are those of its
// own body, not of the transformed one the client gets with GET, and
// the new ones cannot be known without the body. Dropping them is what
// RFC 9110 allows; a cache keeps the validators it stored.
func (p *responseTransform) bodiless(resp *http.Response) {
	switch {
	case resp.StatusCode == http.StatusNotModified:
		// A 304 often has no Content-Type: any cached body may be ours.
		delete(resp.Header, "Etag")
	case resp.Request != nil && resp.Request.Method == http.MethodHead && isJSON(resp.Header.Get("Content-Type")):
		delete(resp.Header, "Etag")
		delete(resp.Header, "Content-Length")
	}
}

// hasBody reports whether the response can carry a body at all.
func hasBody(resp *http.Response) bool {
	if resp.Request != nil && resp.Request.Method == http.MethodHead {
		return false
	}
	switch {
	case resp.StatusCode < 200, resp.StatusCode == http.StatusNoContent, resp.StatusCode == http.StatusNotModified:
		return false
	}
	return resp.Body != nil && resp.Body != http.NoBody && resp.ContentLength != 0
}

package headers

import (
	"net/http"
	"net/textproto"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

type rename struct{ from, to string }

type templated struct {
	name string
	tpl  *pipeline.Template
}

// ops is the compiled form of a Spec: canonical names, parsed templates,
// in a fixed order so every request does the same thing.
type ops struct {
	remove []string
	rename []rename
	set    []templated
	add    []templated
}

func canonical(name string) string { return textproto.CanonicalMIMEHeaderKey(name) }

// Build compiles the spec.
func (s *Spec) Build(pipeline.BuildContext) (pipeline.Policy, error) {
	o := ops{}
	for _, n := range s.Remove {
		o.remove = append(o.remove, canonical(n))
	}
	for _, k := range sortedKeys(s.Rename) {
		o.rename = append(o.rename, rename{canonical(k), canonical(s.Rename[k])})
	}
	var err error
	if o.set, err = compile(s.Set); err != nil {
		return nil, err
	}
	if o.add, err = compile(s.Add); err != nil {
		return nil, err
	}
	if s.forRequest {
		return &requestPolicy{o}, nil
	}
	return &responsePolicy{o}, nil
}

func compile(m map[string]string) ([]templated, error) {
	var out []templated
	for _, k := range sortedKeys(m) {
		t, err := pipeline.CompileTemplate(m[k])
		if err != nil {
			return nil, err
		}
		out = append(out, templated{canonical(k), t})
	}
	return out, nil
}

func (o *ops) apply(h http.Header, r *http.Request, st *pipeline.State) {
	for _, n := range o.remove {
		delete(h, n)
	}
	for _, rn := range o.rename {
		if vs, ok := h[rn.from]; ok {
			delete(h, rn.from)
			h[rn.to] = vs
		}
	}
	for _, t := range o.set {
		h[t.name] = []string{t.tpl.Expand(r, st)}
	}
	for _, t := range o.add {
		h[t.name] = append(h[t.name], t.tpl.Expand(r, st))
	}
}

type requestPolicy struct{ ops }

func (p *requestPolicy) Handle(w http.ResponseWriter, r *http.Request, next pipeline.Handler) error {
	p.apply(r.Header, r, pipeline.FromRequest(r))
	return next(w, r)
}

type responsePolicy struct{ ops }

func (p *responsePolicy) Handle(w http.ResponseWriter, r *http.Request, next pipeline.Handler) error {
	return next(w, r)
}

// ModifyResponse applies the operations to the upstream's response headers.
func (p *responsePolicy) ModifyResponse(resp *http.Response, st *pipeline.State) error {
	p.apply(resp.Header, resp.Request, st)
	return nil
}

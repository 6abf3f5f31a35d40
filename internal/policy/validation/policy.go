package validation

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// compiled is everything Validate compiled, handed to Build.
type compiled struct {
	body           *jsonschema.Schema
	types          []string // accepted media types; nil: JSON ones
	bodyRequired   bool
	query, headers []param
	path           []param
	openapi        *apiDoc
	basePath       string
}

type param struct {
	in, name string
	required bool
	schema   *jsonschema.Schema
	typ      string
}

// Policy is the built request_validation policy.
type Policy struct {
	c   *compiled
	max int64
}

// Problem is one failing location in the 400 answer.
type Problem struct {
	// Location is "body" plus a JSON pointer, or "query.NAME",
	// "header.NAME", "path.NAME".
	Location string `json:"location"`
	Reason   string `json:"reason"`
}

// Handle checks the request; it reads (and keeps) the body only when a
// body schema or an OpenAPI document needs it.
func (p *Policy) Handle(w http.ResponseWriter, r *http.Request, next pipeline.Handler) error {
	st := pipeline.FromRequest(r)
	var probs []Problem
	for _, prm := range p.c.query {
		vs, ok := r.URL.Query()[prm.name]
		probs = prm.check(probs, vs, ok)
	}
	for _, prm := range p.c.headers {
		vs, ok := r.Header[prm.name]
		probs = prm.check(probs, vs, ok)
	}
	for _, prm := range p.c.path {
		var v string
		ok := false
		if st != nil {
			v, ok = st.Capture(prm.name)
		}
		probs = prm.check(probs, []string{v}, ok)
	}
	if p.c.body != nil {
		var err error
		if probs, err = p.checkBody(r, probs); err != nil {
			return err
		}
	}
	if p.c.openapi != nil {
		var err error
		if probs, err = p.checkOperation(r, st, probs); err != nil {
			return err
		}
	}
	if len(probs) > 0 {
		return writeProblems(w, r, st, probs)
	}
	return next(w, r)
}

func (prm *param) location() string { return prm.in + "." + prm.name }

func (prm *param) check(probs []Problem, vs []string, present bool) []Problem {
	if !present || len(vs) == 0 {
		if prm.required {
			probs = append(probs, Problem{prm.location(), "required"})
		}
		return probs
	}
	if prm.schema == nil {
		return probs
	}
	v, err := convert(vs, prm.typ)
	if err != nil {
		return append(probs, Problem{prm.location(), err.Error()})
	}
	if err := prm.schema.Validate(v); err != nil {
		return appendSchemaErrors(probs, prm.location(), err)
	}
	return probs
}

// convert turns parameter strings into the JSON value the schema's type
// expects.
func convert(vs []string, typ string) (any, error) {
	switch typ {
	case "array":
		if len(vs) == 1 {
			vs = strings.Split(vs[0], ",")
		}
		out := make([]any, len(vs))
		for i, v := range vs {
			out[i] = v
		}
		return out, nil
	case "integer", "number":
		// json.Valid refuses NaN, Inf and hex forms ParseFloat takes.
		if _, err := strconv.ParseFloat(vs[0], 64); err != nil || !json.Valid([]byte(vs[0])) {
			return nil, errors.New("must be a number")
		}
		return json.Number(vs[0]), nil
	case "boolean":
		b, err := strconv.ParseBool(vs[0])
		if err != nil {
			return nil, errors.New("must be true or false")
		}
		return b, nil
	}
	return vs[0], nil
}

// readBody reads the body up to the limit and puts it back for the
// service; over the limit is 413.
func (p *Policy) readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return nil, nil
	}
	if r.ContentLength > p.max {
		return nil, pipeline.NewError(http.StatusRequestEntityTooLarge, "request body too large to validate")
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, p.max+1))
	if err != nil {
		return nil, pipeline.Wrap(http.StatusBadRequest, "could not read the request body", err)
	}
	if int64(len(b)) > p.max {
		return nil, pipeline.NewError(http.StatusRequestEntityTooLarge, "request body too large to validate")
	}
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.ContentLength = int64(len(b))
	return b, nil
}

func (p *Policy) acceptsType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	if p.c.types == nil {
		return mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
	}
	for _, t := range p.c.types {
		if t == mt {
			return true
		}
	}
	return false
}

func (p *Policy) checkBody(r *http.Request, probs []Problem) ([]Problem, error) {
	b, err := p.readBody(r)
	if err != nil {
		return probs, err
	}
	if len(b) == 0 {
		if p.c.bodyRequired {
			probs = append(probs, Problem{"body", "required"})
		}
		return probs, nil
	}
	if !p.acceptsType(r.Header.Get("Content-Type")) {
		return probs, pipeline.NewError(http.StatusUnsupportedMediaType, "unsupported content type: "+mediaTypeOrNone(r.Header.Get("Content-Type")))
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return append(probs, Problem{"body", "not valid JSON"}), nil
	}
	if err := p.c.body.Validate(v); err != nil {
		probs = appendSchemaErrors(probs, "body", err)
	}
	return probs, nil
}

func mediaTypeOrNone(ct string) string {
	if ct == "" {
		return "none given"
	}
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		return mt
	}
	return "invalid"
}

// appendSchemaErrors lists the leaf failures of a JSON Schema validation
// (the ones that say what is wrong, not which combinator failed), each at
// its instance location.
func appendSchemaErrors(probs []Problem, prefix string, err error) []Problem {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return append(probs, Problem{prefix, err.Error()})
	}
	var leaves []Problem
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		loc := prefix
		if len(e.InstanceLocation) > 0 {
			loc += "/" + strings.Join(e.InstanceLocation, "/")
		}
		leaves = append(leaves, Problem{loc, e.ErrorKind.LocalizedString(printer)})
	}
	walk(ve)
	sort.SliceStable(leaves, func(i, j int) bool { return leaves[i].Location < leaves[j].Location })
	return append(probs, leaves...)
}

var printer = message.NewPrinter(language.English)

// checkOperation validates the request against the OpenAPI document.
func (p *Policy) checkOperation(r *http.Request, st *pipeline.State, probs []Problem) ([]Problem, error) {
	path := r.URL.Path
	if st != nil && st.Path != "" {
		path = st.Path
	}
	if p.c.basePath != "" {
		rest, ok := strings.CutPrefix(path, p.c.basePath)
		if !ok || (rest != "" && rest[0] != '/') {
			return probs, pipeline.NewError(http.StatusNotFound, "no operation of the API description matches the path")
		}
		if rest == "" {
			rest = "/"
		}
		path = rest
	}
	// The router matches a URL of its own: the path without the base, the
	// client's query.
	probe := r.Clone(r.Context())
	probe.URL = &url.URL{Path: path, RawQuery: r.URL.RawQuery}
	probe.Host = ""
	route, params, err := p.c.openapi.router.FindRoute(probe)
	switch {
	case err != nil && err.Error() == routers.ErrMethodNotAllowed.Error(): // the router returns it by value
		return probs, pipeline.NewError(http.StatusMethodNotAllowed, "method not allowed by the API description")
	case err != nil:
		return probs, pipeline.NewError(http.StatusNotFound, "no operation of the API description matches the path")
	}
	if rb := route.Operation.RequestBody; rb != nil && rb.Value != nil && r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody {
		ct := r.Header.Get("Content-Type")
		if mt, _, err := mime.ParseMediaType(ct); err != nil || rb.Value.Content.Get(mt) == nil {
			return probs, pipeline.NewError(http.StatusUnsupportedMediaType, "unsupported content type: "+mediaTypeOrNone(ct))
		}
	}
	b, err := p.readBody(r)
	if err != nil {
		return probs, err
	}
	probe.Body = io.NopCloser(bytes.NewReader(b))
	in := &openapi3filter.RequestValidationInput{Request: probe, PathParams: params, Route: route,
		Options: &openapi3filter.Options{MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, SkipSettingDefaults: true}}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		probs = appendOpenAPIErrors(probs, err)
	}
	return probs, nil
}

// appendOpenAPIErrors flattens the validator's errors. Type switches,
// not errors.As: a MultiError answers As for any of its elements.
func appendOpenAPIErrors(probs []Problem, err error) []Problem {
	if me, ok := err.(openapi3.MultiError); ok {
		for _, e := range me {
			probs = appendOpenAPIErrors(probs, e)
		}
		return probs
	}
	re, ok := err.(*openapi3filter.RequestError)
	if !ok {
		return append(probs, Problem{"request", strings.Join(strings.Fields(err.Error()), " ")})
	}
	loc := "body"
	if re.Parameter != nil {
		in := re.Parameter.In
		if in == "path" || in == "query" || in == "header" || in == "cookie" {
			loc = in + "." + re.Parameter.Name
		}
	}
	if inner, ok := re.Err.(openapi3.MultiError); ok {
		for _, e := range inner {
			probs = append(probs, schemaProblem(loc, e, re.Reason))
		}
		return probs
	}
	return append(probs, schemaProblem(loc, re.Err, re.Reason))
}

func schemaProblem(loc string, err error, reason string) Problem {
	if se, ok := err.(*openapi3.SchemaError); ok {
		if ptr := se.JSONPointer(); len(ptr) > 0 && loc == "body" {
			loc += "/" + strings.Join(ptr, "/")
		}
		return Problem{loc, se.Reason}
	}
	if reason == "" && err != nil {
		reason = strings.Join(strings.Fields(err.Error()), " ")
	}
	return Problem{loc, reason}
}

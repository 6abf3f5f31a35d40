// Package validation is the request_validation policy: JSON bodies
// against JSON Schema (2020-12 by default), query, header and path
// parameters against schemas, or whole operations against an OpenAPI 3
// document. Schemas are compiled when the config is validated, so a broken
// one is a config error and a request never waits on a compile.
package validation

import (
	"fmt"
	"mime"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

func init() {
	pipeline.Register("request_validation", pipeline.PhaseValidate, func() pipeline.Spec { return &Spec{} })
}

// DefaultMaxBodyBytes is the largest body validated; a larger one is 413.
const DefaultMaxBodyBytes = 1 << 20

// Spec is the settings of request_validation. Every part given must hold.
type Spec struct {
	// Body checks the request body against a JSON Schema.
	Body *BodySpec `yaml:"body"`
	// Query checks query parameters.
	Query []ParamSpec `yaml:"query"`
	// Headers checks request headers.
	Headers []ParamSpec `yaml:"headers"`
	// Path checks named captures of the route's path_regex.
	Path []ParamSpec `yaml:"path"`
	// OpenAPI checks the whole operation (path, method, parameters, body)
	// against an OpenAPI 3.0 or 3.1 document.
	OpenAPI *OpenAPISpec `yaml:"openapi"`
	// MaxBodyBytes bounds the body read for validation (default 1 MiB);
	// a larger body is refused with 413.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`

	compiled *compiled
}

// BodySpec is a JSON Schema for the body, written inline or in a file.
type BodySpec struct {
	// Schema is the JSON Schema, written in YAML or JSON. Without
	// "$schema" it is read as draft 2020-12.
	Schema *yaml.Node `yaml:"schema"`
	// SchemaFile is a JSON or YAML file holding the schema, relative to
	// the working directory; it may $ref files next to it.
	SchemaFile string `yaml:"schema_file"`
	// ContentTypes are the media types accepted (default application/json
	// and any +json type); another one is 415.
	ContentTypes []string `yaml:"content_types"`
	// Required refuses a request without a body.
	Required bool `yaml:"required"`
}

// ParamSpec checks one query parameter, header or path capture.
type ParamSpec struct {
	// Name of the parameter, header or capture.
	Name string `yaml:"name"`
	// Required refuses a request without it.
	Required bool `yaml:"required"`
	// Schema is a JSON Schema for the value. The value is a string,
	// turned into a number, integer or boolean when the schema's type says
	// so, and into a list (split on commas, or every value of a repeated
	// query parameter) for type array.
	Schema *yaml.Node `yaml:"schema"`
}

// OpenAPISpec names the API description.
type OpenAPISpec struct {
	// File is the OpenAPI 3.x document (YAML or JSON). Required.
	File string `yaml:"file"`
	// BasePath is removed from the routed path before it is looked up in
	// the document's paths (the document's servers are not used).
	BasePath string `yaml:"base_path"`
}

// Validate checks the settings and compiles every schema, so a broken
// schema is reported with its path by gatehouse validate.
func (s *Spec) Validate(at config.Path) []config.FieldError {
	var errs []config.FieldError
	add := func(p config.Path, f string, args ...any) { errs = append(errs, config.Errorf(p, f, args...)) }
	if s.Body == nil && len(s.Query)+len(s.Headers)+len(s.Path) == 0 && s.OpenAPI == nil {
		add(at, "needs at least one of body, query, headers, path, openapi")
	}
	if s.MaxBodyBytes < 0 {
		add(at.Field("max_body_bytes"), "must not be negative")
	}
	c := &compiled{}
	if b := s.Body; b != nil {
		bp := at.Field("body")
		switch {
		case b.Schema != nil && b.SchemaFile != "":
			add(bp, "schema and schema_file: give one")
		case b.Schema == nil && b.SchemaFile == "":
			add(bp, "needs schema or schema_file")
		case b.Schema != nil:
			sch, err := compileNode(b.Schema)
			if err != nil {
				add(bp.Field("schema"), "invalid JSON Schema: %v", err)
			}
			c.body = sch
		default:
			sch, err := compileFile(b.SchemaFile)
			if err != nil {
				add(bp.Field("schema_file"), "%v", err)
			}
			c.body = sch
		}
		for i, ct := range b.ContentTypes {
			mt, _, err := mime.ParseMediaType(ct)
			if err != nil {
				add(bp.Field("content_types").Index(i), "invalid media type %q", ct)
				continue
			}
			c.types = append(c.types, mt)
		}
		c.bodyRequired = b.Required
	}
	for _, l := range []struct {
		name string
		in   string
		v    []ParamSpec
		dst  *[]param
	}{{"query", "query", s.Query, &c.query}, {"headers", "header", s.Headers, &c.headers}, {"path", "path", s.Path, &c.path}} {
		seen := map[string]bool{}
		for i, ps := range l.v {
			pp := at.Field(l.name).Index(i)
			name := ps.Name
			if l.in == "header" {
				if p := config.RequestHeaderProblem(name); p != "" {
					add(pp.Field("name"), "%s", p)
					continue
				}
				name = canonicalHeader(name)
			} else if name == "" {
				add(pp.Field("name"), "required")
				continue
			}
			if seen[strings.ToLower(name)] {
				add(pp.Field("name"), "%q is checked twice", ps.Name)
			}
			seen[strings.ToLower(name)] = true
			if ps.Schema == nil && !ps.Required {
				add(pp, "needs a schema or required: true")
				continue
			}
			p := param{in: l.in, name: name, required: ps.Required}
			if ps.Schema != nil {
				sch, typ, err := compileParam(ps.Schema)
				if err != nil {
					add(pp.Field("schema"), "invalid JSON Schema: %v", err)
					continue
				}
				p.schema, p.typ = sch, typ
			}
			*l.dst = append(*l.dst, p)
		}
	}
	if o := s.OpenAPI; o != nil {
		op := at.Field("openapi")
		if o.File == "" {
			add(op.Field("file"), "required")
		} else if doc, err := loadOpenAPI(o.File); err != nil {
			add(op.Field("file"), "%v", err)
		} else {
			c.openapi = doc
		}
		if o.BasePath != "" && (!strings.HasPrefix(o.BasePath, "/") || strings.HasSuffix(o.BasePath, "/")) {
			add(op.Field("base_path"), "must start with \"/\" and not end with it")
		}
		c.basePath = o.BasePath
	}
	if len(errs) == 0 {
		s.compiled = c
	}
	return errs
}

// Build hands over what Validate compiled.
func (s *Spec) Build(pipeline.BuildContext) (pipeline.Policy, error) {
	if s.compiled == nil {
		if errs := s.Validate(""); len(errs) > 0 {
			return nil, fmt.Errorf("%v", errs[0])
		}
	}
	max := s.MaxBodyBytes
	if max == 0 {
		max = DefaultMaxBodyBytes
	}
	return &Policy{c: s.compiled, max: max}, nil
}

package headers

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

func init() {
	pipeline.Register("request_transform", pipeline.PhaseTransform, func() pipeline.Spec { return &TransformSpec{forRequest: true} })
	pipeline.Register("response_transform", pipeline.PhaseTransform, func() pipeline.Spec { return &TransformSpec{} })
}

// DefaultMaxBodyBytes is the largest body a transform reads; larger ones
// pass untouched.
const DefaultMaxBodyBytes = 1 << 20

// TransformSpec is the settings of request_transform and
// response_transform, after Kong's request- and response-transformer.
type TransformSpec struct {
	// Headers changes headers as request_headers / response_headers do.
	Headers *Spec `yaml:"headers"`
	// Query changes query parameters (request_transform only).
	Query *QuerySpec `yaml:"query"`
	// Path rewrites the path the service receives (request_transform only).
	Path *PathSpec `yaml:"path"`
	// Body changes a JSON body's fields.
	Body *BodySpec `yaml:"body"`
	// MaxBodyBytes is the largest body transformed (default 1 MiB); a
	// larger one, or one that is not JSON, passes untouched and is logged.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`

	forRequest bool
}

// QuerySpec changes query parameters, in the order remove, rename, set, add.
type QuerySpec struct {
	// Remove deletes these parameters.
	Remove []string `yaml:"remove"`
	// Rename moves a parameter's values to a new name: {old: new}.
	Rename map[string]string `yaml:"rename"`
	// Set replaces the parameter with one value (a template).
	Set map[string]string `yaml:"set"`
	// Add sets the parameter (a template) only when the client did not send it.
	Add map[string]string `yaml:"add"`
}

// PathSpec rewrites the path the service receives.
type PathSpec struct {
	// Regex is matched against the routed (normalised) path; its named
	// groups may be used in Replace. A path that does not match is left
	// alone. Empty: every path matches.
	Regex string `yaml:"regex"`
	// Replace is the new path, with {name} for a named group of Regex or
	// a capture of the route's path_regex. It replaces strip_prefix and
	// rewrite for the requests it matches.
	Replace string `yaml:"replace"`
}

// BodySpec changes a JSON body: remove, rename, set, add, then deny and
// allow (response_transform only). Field names are dotted paths.
type BodySpec struct {
	// Remove deletes these fields (in each element of a list on the way).
	Remove []string `yaml:"remove"`
	// Rename moves a field: {old.path: new.path}.
	Rename map[string]string `yaml:"rename"`
	// Set writes a string field (a template), creating objects on the way.
	Set map[string]string `yaml:"set"`
	// Add writes a string field (a template) only when it is absent.
	Add map[string]string `yaml:"add"`
	// Allow keeps only these fields (response_transform only).
	Allow []string `yaml:"allow"`
	// Deny removes these fields after the other operations
	// (response_transform only).
	Deny []string `yaml:"deny"`
}

// Validate checks every part and names the exact path of each problem.
func (s *TransformSpec) Validate(at config.Path) []config.FieldError {
	var errs []config.FieldError
	if s.Headers == nil && s.Query == nil && s.Path == nil && s.Body == nil {
		errs = append(errs, config.Errorf(at, "needs at least one of headers, query, path, body"))
	}
	if s.Headers != nil {
		errs = append(errs, s.Headers.Validate(at.Field("headers"))...)
	}
	if !s.forRequest {
		if s.Query != nil {
			errs = append(errs, config.Errorf(at.Field("query"), "only request_transform changes the query"))
		}
		if s.Path != nil {
			errs = append(errs, config.Errorf(at.Field("path"), "only request_transform changes the path"))
		}
	}
	if s.Query != nil {
		errs = append(errs, s.Query.validate(at.Field("query"))...)
	}
	if s.Path != nil {
		errs = append(errs, s.Path.validate(at.Field("path"))...)
	}
	if s.Body != nil {
		errs = append(errs, s.Body.validate(at.Field("body"), s.forRequest)...)
	}
	if s.MaxBodyBytes < 0 {
		errs = append(errs, config.Errorf(at.Field("max_body_bytes"), "must not be negative"))
	}
	return errs
}

func (q *QuerySpec) validate(at config.Path) []config.FieldError {
	var errs []config.FieldError
	for i, n := range q.Remove {
		if n == "" {
			errs = append(errs, config.Errorf(at.Field("remove").Index(i), "empty parameter name"))
		}
	}
	for _, k := range sortedKeys(q.Rename) {
		if k == "" || q.Rename[k] == "" {
			errs = append(errs, config.Errorf(at.Field("rename").Field(k), "empty parameter name"))
		}
	}
	errs = append(errs, checkTemplates(at.Field("set"), q.Set)...)
	errs = append(errs, checkTemplates(at.Field("add"), q.Add)...)
	if len(q.Remove)+len(q.Rename)+len(q.Set)+len(q.Add) == 0 {
		errs = append(errs, config.Errorf(at, "needs at least one of remove, rename, set, add"))
	}
	return errs
}

func (p *PathSpec) validate(at config.Path) []config.FieldError {
	var errs []config.FieldError
	if p.Regex != "" {
		if _, err := regexp.Compile(p.Regex); err != nil {
			errs = append(errs, config.Errorf(at.Field("regex"), "invalid regular expression: %v", err))
		}
	}
	if !strings.HasPrefix(p.Replace, "/") {
		errs = append(errs, config.Errorf(at.Field("replace"), "must be a path starting with \"/\""))
	} else if _, err := compilePathReplace(p.Replace); err != nil {
		errs = append(errs, config.Errorf(at.Field("replace"), "%v", err))
	}
	return errs
}

func (b *BodySpec) validate(at config.Path, forRequest bool) []config.FieldError {
	var errs []config.FieldError
	paths := func(field string, list []string) {
		for i, f := range list {
			if _, err := parseFieldPath(f); err != nil {
				errs = append(errs, config.Errorf(at.Field(field).Index(i), "%v", err))
			}
		}
	}
	paths("remove", b.Remove)
	paths("allow", b.Allow)
	paths("deny", b.Deny)
	for _, k := range sortedKeys(b.Rename) {
		for _, f := range []string{k, b.Rename[k]} {
			if _, err := parseFieldPath(f); err != nil {
				errs = append(errs, config.Errorf(at.Field("rename").Field(k), "%v", err))
			}
		}
	}
	for _, op := range []struct {
		name string
		m    map[string]string
	}{{"set", b.Set}, {"add", b.Add}} {
		for _, k := range sortedKeys(op.m) {
			if _, err := parseFieldPath(k); err != nil {
				errs = append(errs, config.Errorf(at.Field(op.name).Field(k), "%v", err))
			}
		}
		errs = append(errs, checkTemplates(at.Field(op.name), op.m)...)
	}
	if forRequest && len(b.Allow)+len(b.Deny) > 0 {
		errs = append(errs, config.Errorf(at, "allow and deny trim responses: only response_transform takes them"))
	}
	if len(b.Remove)+len(b.Rename)+len(b.Set)+len(b.Add)+len(b.Allow)+len(b.Deny) == 0 {
		errs = append(errs, config.Errorf(at, "needs at least one of remove, rename, set, add, allow, deny"))
	}
	return errs
}

func checkTemplates(at config.Path, m map[string]string) []config.FieldError {
	var errs []config.FieldError
	for _, k := range sortedKeys(m) {
		if _, err := pipeline.CompileTemplate(m[k]); err != nil {
			errs = append(errs, config.Errorf(at.Field(k), "%v", err))
		}
	}
	return errs
}

// pathReplace is a replacement path with {name} references.
type pathReplace struct {
	lits  []string // len(names)+1 literals around the names
	names []string
}

func compilePathReplace(s string) (*pathReplace, error) {
	pr := &pathReplace{}
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			if strings.IndexByte(s, '}') >= 0 {
				return nil, fmt.Errorf("unmatched \"}\"")
			}
			pr.lits = append(pr.lits, s)
			return pr, nil
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return nil, fmt.Errorf("unclosed \"{\"")
		}
		name := s[i+1 : i+j]
		if name == "" {
			return nil, fmt.Errorf("empty {} in the path")
		}
		pr.lits = append(pr.lits, s[:i])
		pr.names = append(pr.names, name)
		s = s[i+j+1:]
	}
}

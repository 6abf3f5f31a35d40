package validation

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

func canonicalHeader(s string) string { return textproto.CanonicalMIMEHeaderKey(s) }

// toJSONValue turns a YAML node into the JSON value jsonschema reads.
func toJSONValue(n *yaml.Node) (any, error) {
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("not expressible as JSON: %v", err)
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(b))
}

func newCompiler() *jsonschema.Compiler {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	return c
}

// compileNode compiles an inline schema. It may not load anything: $ref
// to other files needs schema_file.
func compileNode(n *yaml.Node) (*jsonschema.Schema, error) {
	v, err := toJSONValue(n)
	if err != nil {
		return nil, err
	}
	c := newCompiler()
	c.UseLoader(jsonschema.SchemeURLLoader{}) // no file or network access
	const url = "inline.json"
	if err := c.AddResource(url, v); err != nil {
		return nil, oneLine(err)
	}
	sch, err := c.Compile(url)
	return sch, oneLine(err)
}

// compileFile compiles a schema file; YAML files are read as JSON.
func compileFile(path string) (*jsonschema.Schema, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		return nil, fmt.Errorf("reading schema %s: %v", path, errors.Unwrap(err))
	}
	c := newCompiler()
	var v any
	if strings.HasSuffix(path, ".json") {
		v, err = jsonschema.UnmarshalJSON(bytes.NewReader(data))
	} else {
		var n yaml.Node
		if err = yaml.Unmarshal(data, &n); err == nil && len(n.Content) > 0 {
			v, err = toJSONValue(n.Content[0])
		}
	}
	if err != nil {
		return nil, fmt.Errorf("parsing schema %s: %v", path, err)
	}
	if err := c.AddResource(abs, v); err != nil {
		return nil, oneLine(err)
	}
	sch, err := c.Compile(abs)
	if err != nil {
		return nil, fmt.Errorf("invalid JSON Schema in %s: %v", path, oneLine(err))
	}
	return sch, nil
}

// compileParam compiles a parameter's schema and notes its top-level type
// so the string value can be converted before validation.
func compileParam(n *yaml.Node) (*jsonschema.Schema, string, error) {
	sch, err := compileNode(n)
	if err != nil {
		return nil, "", err
	}
	typ := ""
	if v, err := toJSONValue(n); err == nil {
		if m, ok := v.(map[string]any); ok {
			typ, _ = m["type"].(string)
		}
	}
	return sch, typ, nil
}

// oneLine keeps a compile error to one line for the config error. A
// schema that breaks the metaschema is described by its failing keywords
// alone, without the file URLs the library puts around them.
func oneLine(err error) error {
	if err == nil {
		return nil
	}
	var sve *jsonschema.SchemaValidationError
	if errors.As(err, &sve) {
		var probs []string
		for _, p := range appendSchemaErrors(nil, "", sve.Err) {
			loc := p.Location
			if loc == "" {
				loc = "/"
			}
			probs = append(probs, "at "+loc+": "+p.Reason)
		}
		return fmt.Errorf("%s", strings.Join(probs, "; "))
	}
	s := strings.Join(strings.Fields(err.Error()), " ")
	if wd, werr := os.Getwd(); werr == nil {
		s = strings.ReplaceAll(s, "file://"+wd+"/", "")
		s = strings.ReplaceAll(s, wd+"/", "")
	}
	return fmt.Errorf("%s", s)
}

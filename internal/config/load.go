package config

import (
	"os"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// Loader loads configs. Its zero value reads the process environment; tests
// set LookupEnv to control ${NAME} substitution without touching it.
type Loader struct {
	// LookupEnv returns an environment variable and whether it is set.
	// Nil means os.LookupEnv.
	LookupEnv func(name string) (string, bool)
}

// Load reads and parses the config file at file with a zero Loader.
func Load(file string) (*Config, error) { return Loader{}.Load(file) }

// Parse parses config data with a zero Loader; file names it in errors.
func Parse(data []byte, file string) (*Config, error) { return Loader{}.Parse(data, file) }

// Load reads and parses the config file at file.
func (l Loader) Load(file string) (*Config, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return l.Parse(data, file)
}

// Parse turns YAML (or JSON, which is YAML) into a validated Config with
// defaults applied. On any problem it returns an *Errors listing every
// problem found, in file order, each with a line and column; file names
// the source in those errors.
func (l Loader) Parse(data []byte, file string) (*Config, error) {
	lookup := l.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	fail := func(list []FieldError) (*Config, error) {
		sortErrors(list)
		return nil, &Errors{File: file, List: list}
	}

	docs, syntaxErr := parseDocuments(data)
	if syntaxErr != nil {
		// Past a syntax error the tree is unknown; nothing more to say.
		return fail([]FieldError{*syntaxErr})
	}
	if len(docs) == 0 || len(docs[0].Content) == 0 || isNull(docs[0].Content[0]) {
		return fail([]FieldError{{Line: 1, Col: 1, Msg: "configuration is empty"}})
	}
	var errs []FieldError
	for _, extra := range docs[1:] {
		errs = append(errs, FieldError{Line: extra.Line, Col: extra.Column,
			Msg: "multiple YAML documents: a config file holds exactly one"})
	}
	root := docs[0].Content[0]
	// Measured before anything walks the tree: past the budget, every
	// later step would pay for the expansion.
	if fe := checkExpansion(root, ""); fe != nil {
		return fail(append(errs, *fe))
	}

	errs = append(errs, substituteEnv(root, "", lookup)...)
	root = withoutExtensions(root)

	c := &Config{index: positions{}}
	d := newDecoder(c.index)
	d.value(root, "", reflect.ValueOf(c).Elem())
	errs = append(errs, d.errs...)

	// Validate what did decode, but say nothing more about a value that
	// already has an error: "expected a list" needs no "at least one".
	earlier := newErrorPaths(errs)
	for _, ve := range c.Locate(c.Validate()) {
		if !earlier.covers(ve.Path) {
			errs = append(errs, ve)
		}
	}
	if len(errs) > 0 {
		return fail(errs)
	}
	c.applyDefaults()
	return c, nil
}

// errorPaths indexes the paths of errors already found, so that a later
// stage can skip complaints those errors explain.
type errorPaths struct {
	at    map[Path]bool // paths with an error
	above map[Path]bool // proper ancestors of those paths
}

func newErrorPaths(errs []FieldError) errorPaths {
	ep := errorPaths{at: map[Path]bool{}, above: map[Path]bool{}}
	for _, e := range errs {
		if e.Path == "" {
			continue // file-level errors explain nothing in particular
		}
		ep.at[e.Path] = true
		for p := parentPath(e.Path); !ep.above[p]; p = parentPath(p) {
			ep.above[p] = true
			if p == "" {
				break
			}
		}
	}
	return ep
}

// covers reports whether an earlier error is at p, above it (the value
// containing p did not decode) or below it (a part of p did not decode, so
// a complaint about p as a whole is likely a consequence).
func (ep errorPaths) covers(p Path) bool {
	if p != "" && ep.above[p] {
		return true
	}
	for q := p; q != ""; q = parentPath(q) {
		if ep.at[q] {
			return true
		}
	}
	return false
}

// ExtensionPrefix starts top-level keys that gatehouse ignores, a place to
// park YAML anchors for reuse ("x-defaults: &defaults ...").
const ExtensionPrefix = "x-"

// withoutExtensions returns root without its top-level x- keys. The nodes
// stay in the tree, so aliases to anchors under them still resolve.
func withoutExtensions(root *yaml.Node) *yaml.Node {
	if root.Kind != yaml.MappingNode {
		return root
	}
	trimmed := *root
	trimmed.Content = nil
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := root.Content[i]
		if k.Kind == yaml.ScalarNode && strings.HasPrefix(k.Value, ExtensionPrefix) {
			continue
		}
		trimmed.Content = append(trimmed.Content, root.Content[i], root.Content[i+1])
	}
	return &trimmed
}

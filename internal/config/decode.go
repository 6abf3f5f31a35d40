package config

import (
	"encoding"
	"fmt"
	"reflect"

	"gopkg.in/yaml.v3"
)

// Decode fills out (a non-nil pointer) from node, strictly: unknown keys,
// duplicate keys and values of the wrong kind are errors. It keeps going
// after an error so that one run reports every problem; each error carries
// its path below at and the line and column it was found at.
//
// Struct fields are matched by their `yaml:"name"` tag (the lower-cased
// field name without one; "-" skips a field; ",inline" merges an embedded
// struct's fields). Keys not written leave the field as it was, so callers
// may pre-set defaults; null (or an empty value) counts as not written.
//
// Besides the basic kinds it understands Duration, RawPolicy (kept
// undecoded), yaml.Node, and any type whose pointer implements
// encoding.TextUnmarshaler (such as netip.Prefix). Policy packages use it
// to decode their settings from a RawPolicy's Node.
func Decode(node *yaml.Node, at Path, out any) []FieldError {
	if fe := checkExpansion(node, at); fe != nil {
		return []FieldError{*fe}
	}
	d := newDecoder(nil)
	d.decodeInto(node, at, out)
	sortErrors(d.errs)
	return d.errs
}

// newDecoder returns a decoder that records positions in index if non-nil.
func newDecoder(index positions) *decoder {
	return &decoder{index: index, active: map[*yaml.Node]bool{}}
}

// maxAliasNodes bounds how many values aliases and merge keys may add to
// a document, so a small file of nested aliases (a "billion laughs") or
// chained merges cannot expand into an enormous value. A quarter of a
// million is beyond any real config's reuse (2,000 routes sharing a
// 100-value block is 200,000) and still decodes in well under a second:
// each value decoded is also indexed by its path for error positions.
const maxAliasNodes = 250_000

// decoder carries what one Decode call accumulates.
type decoder struct {
	errs []FieldError
	// index, when non-nil, receives the position of every path decoded.
	index positions
	// active holds the container nodes being decoded, to catch aliases
	// that refer to one of their own ancestors.
	active map[*yaml.Node]bool
	// aliasDepth > 0 while decoding through an alias; aliasNodes counts
	// nodes decoded that way, against maxAliasNodes.
	aliasDepth int
	aliasNodes int
	overBudget bool
}

var (
	durationType        = reflect.TypeFor[Duration]()
	rawPolicyType       = reflect.TypeFor[RawPolicy]()
	nodeType            = reflect.TypeFor[yaml.Node]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func (d *decoder) decodeInto(node *yaml.Node, at Path, out any) {
	rv := reflect.ValueOf(out)
	if !rv.IsValid() || rv.Kind() != reflect.Pointer || rv.IsNil() {
		// A programming error, reported rather than panicking so a bad
		// policy package cannot crash config loading.
		d.errs = append(d.errs, FieldError{Path: at, Line: lineOf(node), Col: colOf(node),
			Msg: fmt.Sprintf("internal error: Decode needs a non-nil pointer, got %T", out)})
		return
	}
	if node == nil {
		return
	}
	if node.Kind == yaml.DocumentNode {
		if len(node.Content) == 0 {
			return
		}
		node = node.Content[0]
	}
	d.value(node, at, rv.Elem())
}

func lineOf(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	return n.Line
}

func colOf(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	return n.Column
}

// fail records an error at path positioned at node n.
func (d *decoder) fail(n *yaml.Node, at Path, format string, args ...any) {
	d.errs = append(d.errs, FieldError{Path: at, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf(format, args...)})
}

// resolve follows an alias to the node it names.
func (d *decoder) resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// enter accounts for one node about to be decoded; false means stop.
func (d *decoder) enter(n *yaml.Node, at Path) bool {
	if d.aliasDepth > 0 {
		d.aliasNodes++
		if d.aliasNodes > maxAliasNodes {
			if !d.overBudget {
				d.overBudget = true
				d.fail(n, at, "aliases expand to more than %d values", maxAliasNodes)
			}
			return false
		}
	}
	return !d.overBudget
}

// record notes where at was written, for Locate.
func (d *decoder) record(at Path, n *yaml.Node) {
	if d.index == nil {
		return
	}
	if _, seen := d.index[at]; !seen {
		d.index[at] = position{Line: n.Line, Col: n.Column, Null: isNull(n)}
	}
}

// value decodes n into v, whatever v's type.
func (d *decoder) value(n *yaml.Node, at Path, v reflect.Value) {
	if n.Kind == yaml.AliasNode {
		target := d.resolve(n)
		if target == nil {
			d.fail(n, at, "unknown alias %q", "*"+n.Value)
			return
		}
		if d.active[target] {
			d.fail(n, at, "alias %q refers to a value that contains it", "*"+n.Value)
			return
		}
		d.aliasDepth++
		d.active[target] = true
		defer func() { d.aliasDepth--; delete(d.active, target) }()
		// Decode a copy placed where the alias is written, so an error
		// about the value as a whole ("expected a list") points at the
		// use; errors inside it point into the anchored original.
		placed := *target
		placed.Line, placed.Column = n.Line, n.Column
		n = &placed
	}
	if !d.enter(n, at) {
		return
	}
	d.record(at, n)

	switch v.Type() {
	case durationType:
		d.duration(n, at, v)
		return
	case rawPolicyType:
		// Kept as written: the policy's own Spec decodes it later. Its
		// nodes still go in the index so those errors can be located.
		v.Set(reflect.ValueOf(RawPolicy{Path: at, Node: n}))
		d.indexTree(n, at)
		return
	case nodeType:
		v.Set(reflect.ValueOf(n).Elem())
		d.indexTree(n, at)
		return
	}
	if v.Kind() == reflect.Pointer && v.Type().Elem() == nodeType {
		v.Set(reflect.ValueOf(n))
		d.indexTree(n, at)
		return
	}
	if isNull(n) {
		// Null is "not written": leave whatever the caller pre-set.
		return
	}
	if v.Kind() != reflect.Pointer && v.CanAddr() && v.Addr().Type().Implements(textUnmarshalerType) {
		d.text(n, at, v.Addr().Interface().(encoding.TextUnmarshaler))
		return
	}

	switch v.Kind() {
	case reflect.Pointer:
		elem := reflect.New(v.Type().Elem())
		if !v.IsNil() {
			elem.Elem().Set(v.Elem())
		}
		before := len(d.errs)
		d.value(n, at, elem.Elem())
		if len(d.errs) == before {
			v.Set(elem)
		}
	case reflect.Struct:
		d.structure(n, at, v)
	case reflect.Map:
		d.mapping(n, at, v)
	case reflect.Slice:
		d.sequence(n, at, v)
	case reflect.Interface:
		if v.NumMethod() != 0 {
			d.fail(n, at, "internal error: cannot decode into %s", v.Type())
			return
		}
		if g, ok := d.generic(n, at); ok {
			v.Set(reflect.ValueOf(&g).Elem())
		}
	default:
		d.scalar(n, at, v)
	}
}

// structure decodes a mapping into a struct, field by yaml tag.
func (d *decoder) structure(n *yaml.Node, at Path, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, at, "expected a mapping, got %s", describe(n))
		return
	}
	fields := fieldsOf(v.Type())
	d.active[n] = true
	defer delete(d.active, n)
	for _, p := range d.pairs(n, at) {
		f, ok := fields.byName[p.key]
		if !ok {
			d.fail(p.keyNode, at.Field(p.key), "unknown field %q%s", p.key, Suggest(p.key, fields.names))
			continue
		}
		d.pairValue(p, at.Field(p.key), fieldByIndex(v, f))
	}
}

// mapping decodes a mapping into a map with string keys.
func (d *decoder) mapping(n *yaml.Node, at Path, v reflect.Value) {
	if v.Type().Key().Kind() != reflect.String {
		d.fail(n, at, "internal error: cannot decode into %s (keys must be strings)", v.Type())
		return
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, at, "expected a mapping, got %s", describe(n))
		return
	}
	d.active[n] = true
	defer delete(d.active, n)
	m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
	for _, p := range d.pairs(n, at) {
		elem := reflect.New(v.Type().Elem()).Elem()
		d.pairValue(p, at.Field(p.key), elem)
		m.SetMapIndex(reflect.ValueOf(p.key).Convert(v.Type().Key()), elem)
	}
	v.Set(m)
}

// sequence decodes a list into a slice.
func (d *decoder) sequence(n *yaml.Node, at Path, v reflect.Value) {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, at, "expected a list, got %s", describe(n))
		return
	}
	d.active[n] = true
	defer delete(d.active, n)
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		d.value(item, at.Index(i), s.Index(i))
	}
	v.Set(s)
}

// generic decodes into an empty interface: mappings become map[string]any,
// lists []any, and scalars bool, int, float64, string or nil by how YAML
// reads them.
func (d *decoder) generic(n *yaml.Node, at Path) (any, bool) {
	var out any
	before := len(d.errs)
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		d.mapping(n, at, reflect.ValueOf(&m).Elem())
		out = m
	case yaml.SequenceNode:
		s := []any{}
		d.sequence(n, at, reflect.ValueOf(&s).Elem())
		out = s
	default:
		out = d.genericScalar(n, at)
	}
	return out, len(d.errs) == before
}

// indexTree records the positions of every node below n without decoding,
// for values kept raw (policies) whose errors are found later.
func (d *decoder) indexTree(n *yaml.Node, at Path) {
	if d.index == nil || n == nil {
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				continue
			}
			d.indexChild(val, at.Field(k.Value))
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			d.indexChild(item, at.Index(i))
		}
	}
}

func (d *decoder) indexChild(n *yaml.Node, at Path) {
	d.record(at, n)
	// Aliases are not followed: a path below one is located at the alias,
	// which says which use of the shared value is wrong, and the walk
	// stays as small as the file.
	if n.Kind != yaml.AliasNode && d.enter(n, at) {
		d.indexTree(n, at)
	}
}

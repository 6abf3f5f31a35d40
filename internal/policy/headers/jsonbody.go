package headers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// fieldPath is a dotted JSON field path split into its names.
type fieldPath []string

func parseFieldPath(s string) (fieldPath, error) {
	if s == "" || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") || strings.Contains(s, "..") {
		return nil, fmt.Errorf("invalid field path %q: use dotted names like user.address.city", s)
	}
	return strings.Split(s, "."), nil
}

// bodyOps is the compiled JSON body transformation. It holds no HTTP:
// values are rendered by the caller and handed in as strings.
type bodyOps struct {
	remove []fieldPath
	rename []fieldRename
	set    []fieldValue
	add    []fieldValue
	allow  *fieldTree // nil: no allowlist
	deny   []fieldPath
}

type fieldRename struct{ from, to fieldPath }

type fieldValue struct {
	path fieldPath
	tpl  valueTemplate
}

// valueTemplate renders a value for one request; the policy binds it to
// the request so this file needs no HTTP.
type valueTemplate interface{ render(ctx any) string }

// fieldTree is an allowlist: a leaf keeps the whole value below it.
type fieldTree struct {
	leaf     bool
	children map[string]*fieldTree
}

func (t *fieldTree) insert(p fieldPath) {
	for _, name := range p {
		if t.leaf {
			return
		}
		if t.children == nil {
			t.children = map[string]*fieldTree{}
		}
		c := t.children[name]
		if c == nil {
			c = &fieldTree{}
			t.children[name] = c
		}
		t = c
	}
	t.leaf, t.children = true, nil
}

func (o *bodyOps) empty() bool {
	return len(o.remove)+len(o.rename)+len(o.set)+len(o.add)+len(o.deny) == 0 && o.allow == nil
}

var errNotObject = errors.New("the JSON body is not an object or a list of objects")

// transform applies the operations to a JSON document and returns the new
// encoding. The root may be an object or a list of objects (each is
// transformed). Numbers keep their exact text.
func (o *bodyOps) transform(body []byte, ctx any) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("more than one JSON value")
	}
	switch root := doc.(type) {
	case map[string]any:
		doc = o.apply(root, ctx)
	case []any:
		for i, e := range root {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, errNotObject
			}
			root[i] = o.apply(m, ctx)
		}
	default:
		return nil, errNotObject
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n")), nil
}

// apply runs remove, rename, set, add, deny, then the allowlist.
func (o *bodyOps) apply(m map[string]any, ctx any) map[string]any {
	for _, p := range o.remove {
		deletePath(m, p)
	}
	for _, rn := range o.rename {
		if v, ok := getPath(m, rn.from); ok {
			deletePath(m, rn.from)
			setPath(m, rn.to, v)
		}
	}
	for _, s := range o.set {
		setPath(m, s.path, s.tpl.render(ctx))
	}
	for _, a := range o.add {
		if _, ok := getPath(m, a.path); !ok {
			setPath(m, a.path, a.tpl.render(ctx))
		}
	}
	for _, p := range o.deny {
		deletePath(m, p)
	}
	if o.allow != nil {
		m = keepAllowed(m, o.allow)
	}
	return m
}

func getPath(m map[string]any, p fieldPath) (any, bool) {
	var cur any = m
	for _, name := range p {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = obj[name]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// setPath creates missing objects on the way; a non-object in the way is
// replaced, as Kong's request-transformer does with a dotted name.
func setPath(m map[string]any, p fieldPath, v any) {
	for _, name := range p[:len(p)-1] {
		next, ok := m[name].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[name] = next
		}
		m = next
	}
	m[p[len(p)-1]] = v
}

// deletePath removes the field, in every object of a list on the way, so
// "items.secret" trims a list of items.
func deletePath(v any, p fieldPath) {
	switch x := v.(type) {
	case map[string]any:
		if len(p) == 1 {
			delete(x, p[0])
			return
		}
		if c, ok := x[p[0]]; ok {
			deletePath(c, p[1:])
		}
	case []any:
		for _, e := range x {
			deletePath(e, p)
		}
	}
}

// keepAllowed keeps only the allowed fields; lists are filtered element
// by element with the same subtree.
func keepAllowed(m map[string]any, t *fieldTree) map[string]any {
	for k, v := range m {
		c, ok := t.children[k]
		switch {
		case !ok:
			delete(m, k)
		case c.leaf:
		default:
			m[k] = filterValue(v, c)
		}
	}
	return m
}

func filterValue(v any, t *fieldTree) any {
	switch x := v.(type) {
	case map[string]any:
		return keepAllowed(x, t)
	case []any:
		for i, e := range x {
			x[i] = filterValue(e, t)
		}
		return x
	}
	// A scalar where the allowlist expects an object has none of the
	// allowed fields.
	return nil
}

package config

import (
	"reflect"

	"gopkg.in/yaml.v3"
)

// pair is one key and value of a mapping, after merges are applied.
type pair struct {
	key     string
	keyNode *yaml.Node
	val     *yaml.Node
	// merged is true for entries that came from a merge key; decoding
	// them counts against the alias budget like decoding an alias does.
	merged bool
}

// pairValue decodes p's value into v at path at.
func (d *decoder) pairValue(p pair, at Path, v reflect.Value) {
	if p.merged {
		d.aliasDepth++
		defer func() { d.aliasDepth-- }()
	}
	d.value(p.val, at, v)
}

// pairs lists the entries of mapping n in file order. Keys must be scalars
// and appear once; "<<: *anchor" merge keys contribute the anchored
// mapping's entries that the mapping does not set itself, so shared
// settings can be written once and reused.
func (d *decoder) pairs(n *yaml.Node, at Path) []pair {
	var out, merged []pair
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if isMergeKey(k) {
			merged = append(merged, d.mergeSources(v, at)...)
			continue
		}
		k = d.resolve(k)
		if k == nil || k.Kind != yaml.ScalarNode {
			kn := n.Content[i]
			d.fail(kn, at, "keys must be strings, got %s", describe(kn))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.fail(k, at.Field(k.Value), "duplicate key %q (first at line %d)", k.Value, first.Line)
			continue
		}
		seen[k.Value] = k
		out = append(out, pair{key: k.Value, keyNode: k, val: v})
	}
	// Explicit keys win over merged ones, and earlier merge sources over
	// later ones, as the YAML merge key spec says.
	for _, p := range merged {
		if _, ok := seen[p.key]; ok {
			continue
		}
		seen[p.key] = p.keyNode
		p.merged = true
		out = append(out, p)
	}
	return out
}

// isMergeKey reports whether k is the YAML merge key "<<".
func isMergeKey(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && (k.Tag == "!!merge" || k.Tag == "" && k.Style == 0)
}

// mergeSources returns the entries a merge key's value contributes: a
// mapping (usually an alias to one) or a list of them.
func (d *decoder) mergeSources(v *yaml.Node, at Path) []pair {
	src := d.resolve(v)
	if src == nil {
		return nil
	}
	if d.active[src] {
		d.fail(v, at, "merge %q refers to a value that contains it", "*"+v.Value)
		return nil
	}
	switch src.Kind {
	case yaml.MappingNode:
		d.active[src] = true
		defer delete(d.active, src)
		return d.pairs(src, at)
	case yaml.SequenceNode:
		var out []pair
		for _, item := range src.Content {
			if m := d.resolve(item); m == nil || m.Kind != yaml.MappingNode {
				d.fail(item, at, "merge (<<) expects a mapping or a list of mappings, got %s", describe(item))
				continue
			}
			out = append(out, d.mergeSources(item, at)...)
		}
		return out
	}
	d.fail(v, at, "merge (<<) expects a mapping or a list of mappings, got %s", describe(src))
	return nil
}

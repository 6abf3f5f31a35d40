package config

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// checkExpansion measures how many values the document expands to once
// every alias and merge key ("<<") is followed, before anything decodes
// it. Merge keys count like aliases: "<<: [*prev, *prev]" doubles at each
// step, so a thousand bytes of chained merges would otherwise cost the
// decoder (and every later walk of the tree) billions of steps.
//
// The sizes of anchored values are memoised, so the check is linear in
// the file. It returns an error at the first alias or merge whose
// expansion takes the total past maxAliasNodes, nil when within it.
func checkExpansion(root *yaml.Node, at Path) *FieldError {
	x := expansion{size: map[*yaml.Node]int{}}
	x.walk(root, at)
	return x.err
}

type expansion struct {
	size  map[*yaml.Node]int // expanded size of anchored values, capped
	extra int                // values reached through aliases and merges so far
	err   *FieldError
}

// over is a size past any budget; sizes saturate there so that deep
// chains cannot overflow an int.
const over = maxAliasNodes + 1

// walk visits the nodes as written, adding the expansion of each alias
// and merge source to x.extra.
func (x *expansion) walk(n *yaml.Node, at Path) {
	if x.err != nil || n == nil {
		return
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			x.walk(c, at)
		}
	case yaml.AliasNode:
		x.spend(n, at, x.sizeOf(n.Alias))
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if isMergeKey(k) {
				x.merge(v, at)
				continue
			}
			x.walk(v, at.Field(k.Value))
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			x.walk(c, at.Index(i))
		}
	}
}

// merge accounts for a merge key's value: an alias, a list of them, or an
// inline mapping (which is written out, so only its own aliases count).
func (x *expansion) merge(v *yaml.Node, at Path) {
	switch v.Kind {
	case yaml.AliasNode:
		x.spend(v, at, x.sizeOf(v.Alias))
	case yaml.SequenceNode:
		for _, item := range v.Content {
			x.merge(item, at)
		}
	default:
		x.walk(v, at)
	}
}

func (x *expansion) spend(n *yaml.Node, at Path, size int) {
	x.extra = min(x.extra+size, over)
	if x.extra >= over && x.err == nil {
		x.err = &FieldError{Path: at, Line: n.Line, Col: n.Column,
			Msg: fmt.Sprintf("aliases and merge keys (<<) expand to more than %d values", maxAliasNodes)}
	}
}

// sizeOf is how many values n stands for when fully expanded. A value
// being measured counts as 0 when met again inside itself: such cycles
// are the decoder's to report.
func (x *expansion) sizeOf(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	if s, ok := x.size[n]; ok {
		return s
	}
	x.size[n] = 0 // in progress
	s := 1
	switch n.Kind {
	case yaml.AliasNode:
		s = x.sizeOf(n.Alias)
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			s += x.sizeOf(c)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if isMergeKey(k) && v.Kind == yaml.SequenceNode {
				for _, item := range v.Content {
					s += x.sizeOf(item)
				}
				continue
			}
			s += x.sizeOf(v)
		}
	}
	s = min(s, over)
	x.size[n] = s
	return s
}

package admin

import (
	"net/http"
	"strconv"

	"gopkg.in/yaml.v3"
)

// patchObject updates some fields of the named object, JSON Merge Patch
// style (RFC 7396): mappings merge key by key, null removes a key, any
// other value replaces. Renaming is refused: routes refer to services
// and ACLs to consumers by name, so a rename is a delete plus a create.
func (s *Server) patchObject(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		patch, ok := readObject(w, r)
		if !ok {
			return
		}
		name := r.PathValue("name")
		if n := field(patch, "name"); n != nil && n.Value != name {
			writeError(w, http.StatusBadRequest, "name cannot be changed by PATCH; create the new object and delete the old", nil)
			return
		}
		s.edit(w, kind, name, func(seq *yaml.Node, i int) (int, string) {
			if i < 0 {
				return http.StatusNotFound, kind[:len(kind)-1] + " " + strconv.Quote(name) + " not found"
			}
			merged := mergePatch(seq.Content[i], patch)
			setName(merged, name)
			seq.Content[i] = merged
			return http.StatusOK, ""
		})
	}
}

// mergePatch returns target with patch applied; target is changed in
// place when both are mappings.
func mergePatch(target, patch *yaml.Node) *yaml.Node {
	if patch.Kind != yaml.MappingNode {
		return patch
	}
	if target == nil || target.Kind != yaml.MappingNode {
		target = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	}
	for i := 0; i+1 < len(patch.Content); i += 2 {
		key, val := patch.Content[i], patch.Content[i+1]
		at := -1
		for j := 0; j+1 < len(target.Content); j += 2 {
			if target.Content[j].Value == key.Value {
				at = j
				break
			}
		}
		switch {
		case isNull(val):
			if at >= 0 {
				target.Content = append(target.Content[:at], target.Content[at+2:]...)
			}
		case at >= 0:
			target.Content[at+1] = mergePatch(target.Content[at+1], val)
		default:
			target.Content = append(target.Content, key, mergePatch(nil, val))
		}
	}
	return target
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

package admin

import (
	"gopkg.in/yaml.v3"
)

// Diff says which named objects a new config adds, removes or changes,
// per section.
type Diff struct {
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
	Changed []string `json:"changed,omitempty"`
}

var sections = []string{"services", "routes", "consumers"}

// diff compares two config texts section by section; objects are matched
// by name and compared by their re-encoded YAML, so formatting and
// comments do not count as changes. Other top-level keys are reported as
// "changed" under "settings".
func diff(before, after []byte) map[string]Diff {
	a, errA := parseDoc(before)
	b, errB := parseDoc(after)
	out := map[string]Diff{}
	if errA != nil || errB != nil {
		return out
	}
	for _, sec := range sections {
		old, cur := named(section(a, sec, false)), named(section(b, sec, false))
		var d Diff
		for n, v := range cur {
			if ov, ok := old[n]; !ok {
				d.Added = append(d.Added, n)
			} else if ov != v {
				d.Changed = append(d.Changed, n)
			}
		}
		for n := range old {
			if _, ok := cur[n]; !ok {
				d.Removed = append(d.Removed, n)
			}
		}
		if d.Added != nil || d.Removed != nil || d.Changed != nil {
			sortDiff(&d)
			out[sec] = d
		}
	}
	var d Diff
	ka, kb := others(a), others(b)
	for k, v := range kb {
		if ov, ok := ka[k]; !ok || ov != v {
			d.Changed = append(d.Changed, k)
		}
	}
	for k := range ka {
		if _, ok := kb[k]; !ok {
			d.Changed = append(d.Changed, k)
		}
	}
	if d.Changed != nil {
		sortDiff(&d)
		out["settings"] = d
	}
	return out
}

func named(seq *yaml.Node) map[string]string {
	m := map[string]string{}
	if seq == nil || seq.Kind != yaml.SequenceNode {
		return m
	}
	for i, item := range seq.Content {
		name := ""
		if n := field(item, "name"); n != nil {
			name = n.Value
		} else {
			name = "#" + itoa(i)
		}
		m[name] = canonical(item)
	}
	return m
}

func others(doc *yaml.Node) map[string]string {
	m := map[string]string{}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := root.Content[i].Value
		if k == "services" || k == "routes" || k == "consumers" {
			continue
		}
		m[k] = canonical(root.Content[i+1])
	}
	return m
}

func canonical(n *yaml.Node) string {
	var v any
	if err := n.Decode(&v); err != nil {
		return ""
	}
	b, _ := yaml.Marshal(v)
	return string(b)
}

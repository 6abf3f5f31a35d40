package admin

import (
	"io"
	"net/http"
	"sort"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/gatehouse/gatehouse/internal/config"
)

// Kong-style edits of services, routes and consumers. Each edit changes
// the config document, then validates, applies and saves the whole
// config: an edit that would make the config invalid changes nothing.

func (s *Server) getObject(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		doc, ok := s.document(w)
		if !ok {
			return
		}
		seq := section(doc, kind, false)
		i := find(seq, r.PathValue("name"))
		if i < 0 {
			writeError(w, http.StatusNotFound, kind[:len(kind)-1]+" "+strconv.Quote(r.PathValue("name"))+" not found", nil)
			return
		}
		item := seq.Content[i]
		config.Redact(item)
		v, err := toAny(item)
		if err != nil {
			writeError(w, http.StatusInternalServerError, err.Error(), nil)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}
}

// createObject adds an object; its name must be new.
func (s *Server) createObject(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		obj, ok := readObject(w, r)
		if !ok {
			return
		}
		n := field(obj, "name")
		if n == nil || n.Value == "" {
			writeError(w, http.StatusBadRequest, "name is required", nil)
			return
		}
		s.edit(w, kind, n.Value, func(seq *yaml.Node, i int) (int, string) {
			if i >= 0 {
				return http.StatusConflict, kind[:len(kind)-1] + " " + strconv.Quote(n.Value) + " already exists"
			}
			seq.Content = append(seq.Content, obj)
			return http.StatusCreated, ""
		})
	}
}

// putObject creates or replaces the named object.
func (s *Server) putObject(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		obj, ok := readObject(w, r)
		if !ok {
			return
		}
		name := r.PathValue("name")
		setName(obj, name)
		s.edit(w, kind, name, func(seq *yaml.Node, i int) (int, string) {
			if i >= 0 {
				seq.Content[i] = obj
				return http.StatusOK, ""
			}
			seq.Content = append(seq.Content, obj)
			return http.StatusCreated, ""
		})
	}
}

func (s *Server) deleteObject(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		s.edit(w, kind, name, func(seq *yaml.Node, i int) (int, string) {
			if i < 0 {
				return http.StatusNotFound, kind[:len(kind)-1] + " " + strconv.Quote(name) + " not found"
			}
			seq.Content = append(seq.Content[:i], seq.Content[i+1:]...)
			return http.StatusOK, ""
		})
	}
}

// edit applies change to the kind's list in a copy of the serving config
// document, then applies and saves the result. Edits are serialised so
// two concurrent edits cannot both start from the same document.
func (s *Server) edit(w http.ResponseWriter, kind, name string, change func(seq *yaml.Node, i int) (status int, errMsg string)) {
	s.editMu.Lock()
	defer s.editMu.Unlock()
	doc, ok := s.document(w)
	if !ok {
		return
	}
	seq := section(doc, kind, true)
	status, msg := change(seq, find(seq, name))
	if msg != "" {
		writeError(w, status, msg, nil)
		return
	}
	out, err := encodeDoc(doc)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error(), nil)
		return
	}
	s.apply(w, status, out)
}

func (s *Server) document(w http.ResponseWriter) (*yaml.Node, bool) {
	src := s.g.Source()
	if src == nil {
		writeError(w, http.StatusConflict, "the serving config has no source text to edit", nil)
		return nil, false
	}
	doc, err := parseDoc(src)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error(), nil)
		return nil, false
	}
	return doc, true
}

// readObject reads one YAML or JSON mapping from the request body.
func readObject(w http.ResponseWriter, r *http.Request) (*yaml.Node, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		writeError(w, http.StatusRequestEntityTooLarge, "body too large or unreadable", nil)
		return nil, false
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(body, &doc); err != nil || doc.Kind != yaml.DocumentNode || doc.Content[0].Kind != yaml.MappingNode {
		msg := "body must be one JSON or YAML object"
		if err != nil {
			msg += ": " + err.Error()
		}
		writeError(w, http.StatusBadRequest, msg, nil)
		return nil, false
	}
	obj := doc.Content[0]
	obj.Style = 0 // block style in the saved file, whatever JSON sent
	unflow(obj)
	return obj, true
}

// unflow turns JSON's flow style into block style, except for short
// scalar lists, so a saved file reads like a hand-written one.
func unflow(n *yaml.Node) {
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		n.Style &^= yaml.FlowStyle
		for _, c := range n.Content {
			unflow(c)
		}
	}
	if n.Kind == yaml.ScalarNode {
		n.Style &^= yaml.DoubleQuotedStyle
		if n.Tag == "!!str" && needsQuote(n.Value) {
			n.Style = yaml.DoubleQuotedStyle
		}
	}
}

func needsQuote(s string) bool {
	var v any
	if err := yaml.Unmarshal([]byte(s), &v); err != nil {
		return true
	}
	_, isStr := v.(string)
	return !isStr || v.(string) != s
}

func sortDiff(d *Diff) {
	sort.Strings(d.Added)
	sort.Strings(d.Removed)
	sort.Strings(d.Changed)
}

func itoa(i int) string { return strconv.Itoa(i) }

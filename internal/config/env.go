package config

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// substituteEnv expands ${NAME} and ${NAME:-default} in every scalar value
// below n, in place. It runs on the parsed tree rather than the raw text so
// a variable can never add YAML structure (a value with ": " or a newline
// stays one string) and every line and column stays where it was written.
// Mapping keys are left alone: names of fields are not configuration.
func substituteEnv(n *yaml.Node, at Path, lookup func(string) (string, bool)) []FieldError {
	var errs []FieldError
	var walk func(n *yaml.Node, at Path)
	walk = func(n *yaml.Node, at Path) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, at)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if isMergeKey(k) {
					walk(v, at) // an inline merge source belongs to this mapping
					continue
				}
				walk(v, at.Field(k.Value))
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, at.Index(i))
			}
		case yaml.ScalarNode:
			out, problems := expandEnv(n.Value, lookup)
			for _, msg := range problems {
				errs = append(errs, FieldError{Path: at, Line: n.Line, Col: n.Column, Msg: msg})
			}
			n.Value = out
		}
		// Aliases are skipped: the node they name is expanded where it
		// is written, once.
	}
	walk(n, at)
	return errs
}

// expandEnv expands the references in s. It returns the expanded text and a
// message for each reference it could not expand (left as written).
//
//	${NAME}          the variable's value; an error if it is not set
//	${NAME:-default} the value, or default when unset or empty
//	$${              a literal "${"
//
// Any other "$" is literal, so passwords and regexes need no escaping.
func expandEnv(s string, lookup func(string) (string, bool)) (string, []string) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var b strings.Builder
	var problems []string
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			b.WriteString("${")
			i += 3
		case strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				problems = append(problems, `unterminated "${" (write "$${" for a literal "${")`)
				b.WriteString(s[i:])
				i = len(s)
				continue
			}
			ref := s[i : i+2+end+1]
			val, msg := resolveRef(s[i+2:i+2+end], lookup)
			if msg != "" {
				problems = append(problems, msg)
				val = ref
			}
			b.WriteString(val)
			i += len(ref)
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String(), problems
}

// resolveRef returns the value of one reference body ("NAME" or
// "NAME:-default"), or a message saying why it has none.
func resolveRef(body string, lookup func(string) (string, bool)) (string, string) {
	name, def, hasDef := strings.Cut(body, ":-")
	if !validEnvName(name) {
		return "", `invalid reference "${` + body + `}" (use ${NAME} or ${NAME:-default}; NAME is letters, digits and _)`
	}
	val, ok := lookup(name)
	if hasDef && val == "" {
		return def, ""
	}
	if !ok {
		return "", `environment variable "` + name + `" is not set`
	}
	return val, ""
}

// validEnvName reports whether s is a portable variable name: a letter or
// underscore, then letters, digits and underscores.
func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case c == '_', 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

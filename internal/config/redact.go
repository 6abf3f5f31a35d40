package config

import (
	"regexp"

	"gopkg.in/yaml.v3"
)

// Secrets are redacted wherever config is shown (admin API, explain): by
// the name of the setting, since a policy's settings are opaque here.

// secretKey names settings whose values are credentials.
var secretKey = regexp.MustCompile(`(?i)(secret|password|passwd|token|api_?key|private|credential|^key$|sha256|bcrypt)`)

// envRef is a value that is only a ${VAR} reference: the reference is
// not the secret, so it is shown.
var envRef = regexp.MustCompile(`^\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}$`)

// Redacted is what a secret value is shown as.
const Redacted = "[redacted]"

// Redact replaces every scalar under a secret-looking key in n (in place).
func Redact(n *yaml.Node) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			Redact(c)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if secretKey.MatchString(k.Value) {
				hide(v)
				continue
			}
			Redact(v)
		}
	}
}

// hide redacts every scalar below n, keeping ${VAR} references.
func hide(n *yaml.Node) {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" || n.Tag == "!!bool" || n.Tag == "!!int" || envRef.MatchString(n.Value) {
			return
		}
		n.Tag, n.Value, n.Style = "!!str", Redacted, 0
	case yaml.AliasNode:
		return
	default:
		for _, c := range n.Content {
			hide(c)
		}
	}
}

package config

import (
	"net/url"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Secrets are redacted wherever config is shown (admin API, explain): by
// the name of the setting, since a policy's settings are opaque here, and
// by the name of the header a value is for.

// secretKey names settings whose values are credentials.
var secretKey = regexp.MustCompile(`(?i)(secret|password|passwd|token|api_?key|private|credential|^key$|sha256|bcrypt)`)

// credentialHeader names headers whose values are credentials:
// Authorization and Proxy-Authorization, Cookie and Set-Cookie, and any
// name with key, token, secret, password or session in it.
var credentialHeader = regexp.MustCompile(`(?i)(authorization|cookie|key|token|secret|passw|session|credential)`)

// headerMaps are settings whose keys are header names: the header
// policies' set and add, and a fallback response's headers.
var headerMaps = map[string]bool{"set": true, "add": true, "headers": true}

// sinkSections hold a headers map sent to a collector: every value there
// is treated as a credential, whatever its name (x-honeycomb-team,
// DD-API-KEY, ...).
var sinkSections = map[string]bool{"tracing": true, "access_log": true}

// envRef is a value that is only a ${VAR} reference: the reference is
// not the secret, so it is shown.
var envRef = regexp.MustCompile(`^\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}$`)

// Redacted is what a secret value is shown as.
const Redacted = "[redacted]"

// Redact replaces every secret value in n (in place): scalars under a
// secret-looking key, values of credential headers (in header maps and in
// {name, value} header conditions), every header of a telemetry sink, and
// the password of a URL.
func Redact(n *yaml.Node) { redact(n, "") }

func redact(n *yaml.Node, parent string) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			redact(c, parent)
		}
	case yaml.MappingNode:
		credName := credentialCondition(n)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			switch {
			case k.Value == "key" && v.Kind == yaml.SequenceNode:
				// rate_limit's key: [ip, route] names key parts, while a
				// consumer's key: "…" is an API key.
				redact(v, k.Value)
			case secretKey.MatchString(k.Value),
				headerMaps[parent] && credentialHeader.MatchString(k.Value),
				sinkSections[parent] && k.Value == "headers",
				credName && k.Value == "value":
				hide(v)
			default:
				redact(v, k.Value)
			}
		}
	case yaml.ScalarNode:
		hideURLPassword(n)
	}
}

// credentialCondition reports whether mapping n is a header condition
// ({name: Authorization, value: ...}) naming a credential header.
func credentialCondition(n *yaml.Node) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "name" && credentialHeader.MatchString(n.Content[i+1].Value) {
			return true
		}
	}
	return false
}

// hideURLPassword redacts the password of a URL value
// ("redis://user:pass@host" shows as "redis://user:xxxxx@host").
func hideURLPassword(n *yaml.Node) {
	if !strings.Contains(n.Value, "://") || !strings.Contains(n.Value, "@") {
		return
	}
	u, err := url.Parse(n.Value)
	if err != nil || u.User == nil {
		return
	}
	if _, ok := u.User.Password(); ok {
		n.Value = u.Redacted()
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
	case yaml.MappingNode:
		for i := 1; i < len(n.Content); i += 2 { // values; names stay readable
			hide(n.Content[i])
		}
	default:
		for _, c := range n.Content {
			hide(c)
		}
	}
}

package authn

import (
	"encoding/json"
	"fmt"
	"net/textproto"
	"sort"
	"strings"
)

// ClaimPath splits a dotted claim path: "realm_access.roles".
func ClaimPath(p string) []string { return strings.Split(p, ".") }

// Lookup follows a claim path through nested objects.
func Lookup(claims map[string]any, path []string) (any, bool) {
	if claims == nil {
		return nil, false
	}
	var cur any = claims
	for _, seg := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[seg]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// ScalarString renders a claim value for comparisons and headers.
func ScalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		if x {
			return "true"
		}
		return "false"
	case nil:
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// HeaderValue renders a claim for a header: lists joined with ",", and
// nothing that could split or end the header line.
func HeaderValue(v any) string {
	var s string
	if list, ok := v.([]any); ok {
		parts := make([]string, 0, len(list))
		for _, x := range list {
			parts = append(parts, ScalarString(x))
		}
		s = strings.Join(parts, ",")
	} else {
		s = ScalarString(v)
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// Forward sends claims to the upstream as headers.
type Forward struct {
	path   []string
	header string
}

// Forwards compiles {claim path: header name}, in a fixed order.
func Forwards(m map[string]string) []Forward {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]Forward, 0, len(keys))
	for _, k := range keys {
		out = append(out, Forward{path: ClaimPath(k), header: textproto.CanonicalMIMEHeaderKey(m[k])})
	}
	return out
}

// Headers lists the header names, for IdentityHeaders.
func Headers(fs []Forward) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.header
	}
	return out
}

// ForwardValues renders the claims once (when the credential is
// verified), to be cached with it; nil where a claim is absent.
func ForwardValues(fs []Forward, claims map[string]any) [][]string {
	out := make([][]string, len(fs))
	for i, f := range fs {
		if v, ok := Lookup(claims, f.path); ok {
			out[i] = []string{HeaderValue(v)}
		}
	}
	return out
}

// SetForwarded sets the cached values on the request, replacing any
// client-sent header of the same name.
func SetForwarded(h map[string][]string, fs []Forward, values [][]string) {
	for i, f := range fs {
		if values[i] != nil {
			h[f.header] = values[i]
		}
	}
}

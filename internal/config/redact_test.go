package config

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestRedact(t *testing.T) {
	tests := []struct {
		name, in string
		hidden   []string // must not appear after redaction
		shown    []string // must still appear
	}{
		{"secret-looking keys", "redis: {password: pw1, addrs: [a:1]}\nsecret: s2", []string{"pw1", "s2"}, []string{"a:1"}},
		{"env references kept", "token: ${ADMIN_TOKEN}", nil, []string{"${ADMIN_TOKEN}"}},
		{"credential headers set", "request_headers: {set: {Authorization: Bearer abc1, X-Api-Key: k2, X-Plain: plain}}",
			[]string{"abc1", "k2"}, []string{"plain", "Authorization"}},
		{"credential headers added", "response_headers: {add: {Set-Cookie: sid=c3, X-Session-Id: s4, X-Trace: t}}",
			[]string{"c3", "s4"}, []string{"X-Trace: t"}},
		{"header conditions", "match: {headers: [{name: X-Internal-Token, value: v5}, {name: X-Tier, value: gold}]}",
			[]string{"v5"}, []string{"gold"}},
		{"tracing headers all hidden", "tracing: {endpoint: http://c:4318, headers: {x-honeycomb-team: h6}}",
			[]string{"h6"}, []string{"http://c:4318", "x-honeycomb-team"}},
		{"URL passwords", "access_log: {output: \"https://user:p7@logs.example/in\"}", []string{"p7"}, []string{"user:xxxxx@logs.example"}},
		{"other headers maps", "fallback: {headers: {Content-Type: text/plain}}", nil, []string{"text/plain"}},
		{"a consumer's key hidden, rate_limit key parts shown", "consumers: [{name: a, key: k8}]\nrate_limit: {key: [ip, route]}",
			[]string{"k8"}, []string{"key: [ip, route]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n yaml.Node
			if err := yaml.Unmarshal([]byte(tt.in), &n); err != nil {
				t.Fatal(err)
			}
			Redact(&n)
			out, _ := yaml.Marshal(&n)
			for _, h := range tt.hidden {
				if strings.Contains(string(out), h) {
					t.Errorf("%q still shown:\n%s", h, out)
				}
			}
			for _, s := range tt.shown {
				if !strings.Contains(string(out), s) {
					t.Errorf("%q hidden:\n%s", s, out)
				}
			}
		})
	}
}

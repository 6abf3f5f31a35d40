package runtime

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
)

func TestShadowed(t *testing.T) {
	const jwt = `{jwt: {secret: "0123456789abcdef0123456789abcdef"}}`
	tests := []struct {
		name, routes, global string
		want                 []string // substrings, one per warning
	}{
		{"catch-all without auth", `
  - {name: a, service: s, match: {path_prefix: /admin, methods: [GET, POST]}, policies: ` + jwt + `}
  - {name: open, service: s, match: {path_prefix: /}}`, "",
			[]string{`routes[0].match.methods: PUT, PATCH, DELETE, OPTIONS to /admin (and any other method not listed) fall through to route "open", which lacks jwt`}},
		{"HEAD goes with GET", `
  - {name: a, service: s, match: {path: /x, methods: [GET, PUT, POST, PATCH, DELETE, OPTIONS]}, policies: ` + jwt + `}
  - {name: open, service: s, match: {path_prefix: /}}`, "", nil},
		{"catch-all with the same auth", `
  - {name: a, service: s, match: {path_prefix: /admin, methods: [GET]}, policies: ` + jwt + `}
  - {name: b, service: s, match: {path_prefix: /}, policies: ` + jwt + `}`, "", nil},
		{"global auth covers both", `
  - {name: a, service: s, match: {path_prefix: /admin, methods: [GET]}}
  - {name: b, service: s, match: {path_prefix: /}}`, jwt, nil},
		{"authorization counts", `
  - {name: a, service: s, match: {path_prefix: /admin, methods: [GET]}, policies: {acl: {allow_groups: [ops]}}}
  - {name: b, service: s, match: {path_prefix: /}}`, `{key_auth: {}}`, []string{`to route "b", which lacks acl`}},
		{"another host", `
  - {name: a, service: s, match: {hosts: [a.example], path_prefix: /admin, methods: [GET]}, policies: ` + jwt + `}
  - {name: b, service: s, match: {hosts: [b.example], path_prefix: /}}`, "", nil},
		{"nothing else takes the path", `
  - {name: a, service: s, match: {path_prefix: /admin, methods: [GET]}, policies: ` + jwt + `}
  - {name: b, service: s, match: {path_prefix: /public}}`, "", nil},
		{"regex routes are not tried", `
  - {name: a, service: s, match: {path_regex: "/admin/.*", methods: [GET]}, policies: ` + jwt + `}
  - {name: b, service: s, match: {path_prefix: /}}`, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "services: [{name: s, targets: [{url: 'http://127.0.0.1:1'}]}]\nroutes:" + tt.routes + "\n"
			if tt.global != "" {
				src += "policies: " + tt.global + "\n"
			}
			cfg, err := config.Parse([]byte(src), "t.yaml")
			if err != nil {
				t.Fatal(err)
			}
			scopes, errs := DecodePolicies(cfg)
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			got := Shadowed(cfg, scopes)
			if len(got) != len(tt.want) {
				t.Fatalf("warnings %v; want %d", got, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i].Error(), w) {
					t.Errorf("warning %q; want it to contain %q", got[i].Error(), w)
				}
			}
		})
	}
}

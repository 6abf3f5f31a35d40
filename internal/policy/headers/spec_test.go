package headers

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
)

func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		spec Spec
		want []string // substrings of the errors, in order; none: valid
	}{
		{"valid", Spec{Set: map[string]string{"X-Team": "{route}"}, Remove: []string{"X-Debug"}, Rename: map[string]string{"X-A": "X-B"}}, nil},
		{"reserved", Spec{Set: map[string]string{"Content-Length": "1"}}, []string{"Content-Length"}},
		{"hop-by-hop", Spec{Remove: []string{"Connection"}}, []string{"hop-by-hop"}},
		{"bad name", Spec{Add: map[string]string{"X Bad": "1"}}, []string{"X Bad"}},
		{"bad template", Spec{Set: map[string]string{"X-A": "{nope}"}}, []string{"nope"}},
		{"bad value", Spec{Set: map[string]string{"X-A": "a\r\nInjected: 1"}}, []string{"X-A"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.spec.forRequest = true
			errs := c.spec.Validate(config.Path("routes[0].policies.request_headers"))
			if len(errs) != len(c.want) {
				t.Fatalf("errors %v; want %d", errs, len(c.want))
			}
			for i, w := range c.want {
				if !strings.Contains(errs[i].Error(), w) || !strings.HasPrefix(string(errs[i].Path), "routes[0].policies.request_headers") {
					t.Errorf("error %d = %v; want it at the policy's path, mentioning %q", i, errs[i], w)
				}
			}
		})
	}
}

package introspect

import (
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		spec Spec
		want string
	}{
		{"ok", Spec{URL: "https://as/introspect", ClientID: "a", ClientSecret: "b"}, ""},
		{"no url", Spec{}, "p.url: required"},
		{"bad url", Spec{URL: "as/introspect"}, "p.url: must be an http or https URL"},
		{"half credentials", Spec{URL: "http://as", ClientID: "a"}, "p.client_secret: client_id and client_secret go together"},
		{"underscore header", Spec{URL: "http://as", Header: "X_Token"}, `p.header: header name "X_Token" has an underscore; the gateway drops such request headers, so it would never be seen (use "X-Token")`},
		{"negatives", Spec{URL: "http://as", Timeout: -1, CacheSize: -3}, "p.timeout: must not be negative\np.cache_size: must be -1 (off), 0 (default) or positive"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, e := range c.spec.Validate("p") {
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != c.want {
				t.Errorf("got %q; want %q", got, c.want)
			}
		})
	}
}

package keyauth

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
		{"defaults", Spec{}, ""},
		{"query only", Spec{Header: "off", Query: "apikey"}, ""},
		{"off without query", Spec{Header: "off"}, `p.header: "off" needs a query parameter to read the key from`},
		{"bad header", Spec{Header: "X Key"}, `p.header: invalid header name "X Key"`},
		{"authorization", Spec{Header: "authorization"}, "p.header: Authorization carries schemes (Bearer, Basic); use a header of its own for API keys"},
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

func TestChallenge(t *testing.T) {
	for _, c := range []struct {
		spec Spec
		want string
	}{
		{Spec{}, `APIKey realm="gatehouse", header="X-API-Key"`},
		{Spec{Header: "X-Token", Realm: "shop"}, `APIKey realm="shop", header="X-Token"`},
		{Spec{Header: "off", Query: "k"}, `APIKey realm="gatehouse"`},
	} {
		if got := c.spec.Challenge(); got != c.want {
			t.Errorf("Challenge() = %q; want %q", got, c.want)
		}
	}
}

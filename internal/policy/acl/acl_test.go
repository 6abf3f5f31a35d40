package acl

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		spec Spec
		want string
	}{
		{"roles", Spec{AnyOf: []string{"a"}}, ""},
		{"empty", Spec{}, "p: needs at least one of any_of, all_of, allow_groups, deny_groups"},
		{"bad path", Spec{Claim: "a..b", AllOf: []string{"x"}}, `p.claim: invalid claim path "a..b": use dotted names like realm_access.roles`},
		{"space in name", Spec{AllowGroups: []string{"a b"}}, "p.allow_groups[0]: must be a non-empty name without spaces"},
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

func TestDecisions(t *testing.T) {
	paid := &pipeline.Consumer{Name: "c", Groups: []string{"paid"}}
	cases := []struct {
		name   string
		spec   Spec
		st     pipeline.State
		status int
	}{
		{"anonymous", Spec{AnyOf: []string{"a"}}, pipeline.State{}, 401},
		{"roles list", Spec{AnyOf: []string{"a"}}, pipeline.State{Credential: "x", Claims: map[string]any{"roles": []any{"b", "a"}}}, 200},
		{"scope string", Spec{Claim: "scope", AllOf: []string{"r", "w"}}, pipeline.State{Credential: "x", Claims: map[string]any{"scope": "r w"}}, 200},
		{"scope missing one", Spec{Claim: "scope", AllOf: []string{"r", "w"}}, pipeline.State{Credential: "x", Claims: map[string]any{"scope": "r"}}, 403},
		{"nested", Spec{Claim: "realm_access.roles", AnyOf: []string{"a"}}, pipeline.State{Credential: "x", Claims: map[string]any{"realm_access": map[string]any{"roles": []any{"a"}}}}, 200},
		{"group allowed", Spec{AllowGroups: []string{"paid"}}, pipeline.State{Credential: "x", Consumer: paid}, 200},
		{"group not allowed", Spec{AllowGroups: []string{"gold"}}, pipeline.State{Credential: "x", Consumer: paid}, 403},
		{"no consumer for group", Spec{AllowGroups: []string{"paid"}}, pipeline.State{Credential: "x"}, 403},
		{"group denied", Spec{DenyGroups: []string{"paid"}}, pipeline.State{Credential: "x", Consumer: paid}, 403},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := c.spec.Build(pipeline.BuildContext{})
			if err != nil {
				t.Fatal(err)
			}
			st := c.st
			r := pipeline.WithState(httptest.NewRequest("GET", "/", nil), &st)
			err = p.Handle(httptest.NewRecorder(), r, func(http.ResponseWriter, *http.Request) error { return nil })
			got := 200
			if err != nil {
				got = pipeline.AsError(err).Status
			}
			if got != c.status {
				t.Errorf("got %d; want %d (err %v)", got, c.status, err)
			}
		})
	}
}

func BenchmarkScopeCheck(b *testing.B) {
	p, _ := (&Spec{Claim: "scope", AnyOf: []string{"orders:write"}}).Build(pipeline.BuildContext{})
	st := &pipeline.State{Credential: "x", Claims: map[string]any{"scope": "openid profile orders:read orders:write"}}
	r := pipeline.WithState(httptest.NewRequest("GET", "/", nil), st)
	next := func(http.ResponseWriter, *http.Request) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Handle(nil, r, next); err != nil {
			b.Fatal(err)
		}
	}
}

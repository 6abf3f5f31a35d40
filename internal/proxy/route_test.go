package proxy

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

func TestPathTemplate(t *testing.T) {
	st := &pipeline.State{Captures: []pipeline.Capture{{Name: "id", Value: "42"}, {Name: "rest", Value: "a/b"}}}
	cases := []struct{ tpl, want string }{
		{"/v2/users/{id}", "/v2/users/42"},
		{"/{id}/{id}", "/42/42"},
		{"/files/{rest}", "/files/a/b"},
		{"/static", "/static"},
		{"/x/{missing}/y", "/x//y"},
		{"/unclosed/{id", "/unclosed/{id"},
		{"{id}", "42"},
		{"", ""},
	}
	for _, c := range cases {
		t.Run(c.tpl, func(t *testing.T) {
			if got := CompilePathTemplate(c.tpl).Expand(st); got != c.want {
				t.Fatalf("Expand(%q) = %q; want %q", c.tpl, got, c.want)
			}
		})
	}
}

func TestUpstreamPath(t *testing.T) {
	st := &pipeline.State{Path: "/api/orders/7", Captures: []pipeline.Capture{{Name: "id", Value: "7"}}}
	cases := []struct {
		name  string
		route RouteSettings
		base  string
		want  string
	}{
		{"as routed", RouteSettings{}, "", "/api/orders/7"},
		{"strip_prefix", RouteSettings{StripPrefix: "/api"}, "", "/orders/7"},
		{"strip_prefix to root under a base path", RouteSettings{StripPrefix: "/api/orders/7"}, "/svc", "/svc/"},
		{"base path", RouteSettings{StripPrefix: "/api"}, "/v1", "/v1/orders/7"},
		{"rewrite wins over strip_prefix", RouteSettings{StripPrefix: "/api", Rewrite: CompilePathTemplate("/o/{id}")}, "", "/o/7"},
		{"rewrite under a base path", RouteSettings{Rewrite: CompilePathTemplate("/o/{id}")}, "/v1", "/v1/o/7"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rt := &Route{RouteSettings: c.route}
			if got := joinBase(c.base, rt.upstreamPath(st)); got != c.want {
				t.Fatalf("upstreamPath = %q; want %q", got, c.want)
			}
		})
	}
}

func TestStripPrefixSegmentBoundary(t *testing.T) {
	cases := []struct{ path, prefix, want string }{
		{"/api/orders", "/api", "/orders"},
		{"/api", "/api", "/"},
		{"/api/", "/api", "/"},
		{"/apix", "/api", "/apix"},
		{"/api/orders", "/api/", "/orders"},
		{"/other", "/api", "/other"},
		{"/", "/", "/"},
		{"/a/b/c", "/a/b", "/c"},
		{"/a/bc", "/a/b", "/a/bc"},
	}
	for _, c := range cases {
		t.Run(c.path+"-"+c.prefix, func(t *testing.T) {
			if got := stripPrefix(c.path, c.prefix); got != c.want {
				t.Fatalf("stripPrefix(%q, %q) = %q; want %q", c.path, c.prefix, got, c.want)
			}
		})
	}
}

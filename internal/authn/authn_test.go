package authn

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
	"gopkg.in/yaml.v3"
)

func TestSourceExtractAndHide(t *testing.T) {
	s := NewSource("authorization", "Bearer", "access_token", "session")
	cases := []struct {
		name, target  string
		hdr           map[string]string
		want          string
		where         Where
		query, cookie string // after Hide
	}{
		{"bearer", "/", map[string]string{"Authorization": "Bearer abc"}, "abc", InHeader, "", ""},
		{"scheme case-insensitive", "/", map[string]string{"Authorization": "bEaReR abc"}, "abc", InHeader, "", ""},
		{"extra spaces", "/", map[string]string{"Authorization": "Bearer   abc"}, "abc", InHeader, "", ""},
		{"other scheme is absent", "/", map[string]string{"Authorization": "Basic abc"}, "", Nowhere, "", ""},
		{"scheme only", "/", map[string]string{"Authorization": "Bearer"}, "", Nowhere, "", ""},
		{"query", "/?x=1&access_token=q1", nil, "q1", InQuery, "x=1", ""},
		{"cookie", "/", map[string]string{"Cookie": "a=1; session=c1; b=2"}, "c1", InCookie, "", "a=1; b=2"},
		{"header wins over query", "/?access_token=q1", map[string]string{"Authorization": "Bearer h1"}, "h1", InHeader, "access_token=q1", ""},
		{"nothing", "/", nil, "", Nowhere, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", c.target, nil)
			for k, v := range c.hdr {
				r.Header.Set(k, v)
			}
			got, where := s.Extract(r)
			if got != c.want || where != c.where {
				t.Fatalf("got %q, %d; want %q, %d", got, where, c.want, c.where)
			}
			s.Hide(r, where)
			if where == InHeader && r.Header.Get("Authorization") != "" {
				t.Errorf("Authorization still set after Hide")
			}
			if r.URL.RawQuery != c.query {
				t.Errorf("query after Hide = %q; want %q", r.URL.RawQuery, c.query)
			}
			if where == InCookie && r.Header.Get("Cookie") != c.cookie {
				t.Errorf("Cookie after Hide = %q; want %q", r.Header.Get("Cookie"), c.cookie)
			}
		})
	}
}

func TestChallengeQuoting(t *testing.T) {
	if got, want := BearerError(`a"b\c`, "invalid_token", "token\r\nexpired"), `Bearer realm="a'b'c", error="invalid_token", error_description="token''expired"`; got != want {
		t.Errorf("got %q; want %q", got, want)
	}
	if got, want := Challenge("Basic", "api"), `Basic realm="api"`; got != want {
		t.Errorf("got %q; want %q", got, want)
	}
}

func TestCacheBoundedAndExpiring(t *testing.T) {
	c := NewCache[int](64)
	now := time.Now()
	for i := range 1000 {
		c.Put(fmt.Sprint("k", i), i, now.Add(time.Hour))
	}
	if n := c.Len(); n > 64 {
		t.Errorf("Len = %d after 1000 puts; want <= 64", n)
	}
	c.Put("short", 1, now.Add(time.Second))
	if _, ok := c.Get("short", now); !ok {
		t.Errorf("fresh entry missing")
	}
	if _, ok := c.Get("short", now.Add(2*time.Second)); ok {
		t.Errorf("expired entry returned")
	}
	var off *Cache[int]
	off.Put("x", 1, now.Add(time.Hour))
	if _, ok := off.Get("x", now); ok {
		t.Errorf("nil cache returned a value")
	}
}

type fakeMethod struct {
	anon  bool
	chall string
}

func (f fakeMethod) AllowsAnonymous() bool { return f.anon }
func (f fakeMethod) Challenge() string     { return f.chall }

func TestPlanWithoutConfig(t *testing.T) {
	p, err := PlanFor(pipeline.BuildContext{}, "jwt", fakeMethod{chall: "Bearer x"})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Last || p.Anonymous || len(p.Challenges) != 1 || p.Challenges[0] != "Bearer x" {
		t.Errorf("got %+v; want the only method as the gate", p)
	}
}

func TestEffectivePoliciesMostSpecificWins(t *testing.T) {
	node := func(s string) config.RawPolicy {
		var n yaml.Node
		yaml.Unmarshal([]byte(s), &n)
		return config.RawPolicy{Node: n.Content[0]}
	}
	cfg := &config.Config{
		Policies: config.Policies{"jwt": node("{a: 1}"), "key_auth": node("{a: 1}")},
		Services: []config.Service{{Name: "s", Policies: config.Policies{"key_auth": node("{b: 2}")}}},
		Routes:   []config.Route{{Name: "r", Service: "s", Policies: config.Policies{"basic_auth": node("{}")}}},
	}
	got := effectivePolicies(pipeline.BuildContext{Config: cfg, Route: "r", Service: "s"})
	if len(got) != 3 || got["key_auth"].Node.Content[0].Value != "b" {
		t.Errorf("got %v; want jwt, key_auth (from the service), basic_auth", got)
	}
}

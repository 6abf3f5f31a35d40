package authn

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

func TestSourceCheckAmbiguous(t *testing.T) {
	bearer := NewSource("authorization", "Bearer", "access_token", "session")
	key := NewSource("x-api-key", "", "apikey", "")
	cases := []struct {
		name   string
		s      Source
		target string
		hdr    [][2]string
		want   string // "" means accepted
	}{
		{"nothing", bearer, "/", nil, ""},
		{"one bearer", bearer, "/", [][2]string{{"Authorization", "Bearer a"}}, ""},
		{"two Authorization", bearer, "/", [][2]string{{"Authorization", "Bearer a"}, {"Authorization", "Bearer b"}}, "more than one Authorization header"},
		{"Basic and Bearer", bearer, "/", [][2]string{{"Authorization", "Basic a"}, {"Authorization", "Bearer b"}}, "more than one Authorization header"},
		{"Basic header and query token: the header is not ours", bearer, "/?access_token=q", [][2]string{{"Authorization", "Basic a"}}, ""},
		{"header and query", bearer, "/?access_token=q", [][2]string{{"Authorization", "Bearer a"}}, "more than one of"},
		{"header and cookie", bearer, "/", [][2]string{{"Authorization", "Bearer a"}, {"Cookie", "session=c"}}, "more than one of"},
		{"query and cookie", bearer, "/?access_token=q", [][2]string{{"Cookie", "session=c"}}, "more than one of"},
		{"query twice", bearer, "/?access_token=q&access_token=r", nil, "query parameter access_token given more than once"},
		{"cookie twice", bearer, "/", [][2]string{{"Cookie", "session=a; x=1; session=b"}}, "cookie session given more than once"},
		{"cookie in two Cookie headers", bearer, "/", [][2]string{{"Cookie", "session=a"}, {"Cookie", "session=b"}}, "cookie session given more than once"},
		{"other cookies", bearer, "/", [][2]string{{"Cookie", "a=1; session=c; b=2"}}, ""},
		{"one key", key, "/", [][2]string{{"X-Api-Key", "k"}}, ""},
		{"two key headers", key, "/", [][2]string{{"X-Api-Key", "k"}, {"X-API-KEY", "l"}}, "more than one X-Api-Key header"},
		{"key in header and query", key, "/?apikey=l", [][2]string{{"X-Api-Key", "k"}}, "more than one of header X-Api-Key, query parameter apikey"},
		{"other query parameters", key, "/?apikey=l&x=1", nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", c.target, nil)
			for _, h := range c.hdr {
				r.Header.Add(h[0], h[1])
			}
			err := c.s.Check(r)
			if c.want == "" {
				if err != nil {
					t.Fatalf("got %v; want accepted", err)
				}
				return
			}
			pe, ok := err.(*pipeline.Error)
			if !ok || pe.Status != 400 || !strings.Contains(pe.Msg, c.want) || !strings.HasPrefix(pe.Msg, "ambiguous credentials: ") {
				t.Fatalf("got %v; want a 400 saying %q", err, c.want)
			}
		})
	}
}

func TestRefusedMarksOnlyA401(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{Unauthorized("invalid API key"), true},
		{pipeline.NewError(503, "authentication temporarily unavailable"), false},
		{nil, false},
	} {
		st := &pipeline.State{}
		if got := Refused(st, c.err); got != c.err {
			t.Errorf("Refused returned %v; want the error unchanged", got)
		}
		if st.CredentialRefused != c.want {
			t.Errorf("%v: CredentialRefused = %v; want %v", c.err, st.CredentialRefused, c.want)
		}
	}
}

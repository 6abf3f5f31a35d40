package authn

import (
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// Check refuses (400) a request whose credential is ambiguous: its header
// sent more than once (whatever the scheme: two Authorization headers are
// ambiguous for every method that reads Authorization), its query
// parameter or cookie given more than once, or the credential present in
// more than one of the places this source reads. The gateway checks one
// copy; a service reading another would act on a credential nobody
// checked. Policies call it from Precheck, before any method runs.
func (s *Source) Check(r *http.Request) error {
	places := 0
	if s.Header != "" {
		vs := r.Header[s.Header]
		if len(vs) > 1 {
			return ambiguous("more than one " + s.Header + " header")
		}
		if len(vs) == 1 && s.hasScheme(vs[0]) {
			places++
		}
	}
	if s.Query != "" && r.URL.RawQuery != "" {
		switch n := len(r.URL.Query()[s.Query]); {
		case n > 1:
			return ambiguous("query parameter " + s.Query + " given more than once")
		case n == 1:
			places++
		}
	}
	if s.Cookie != "" && len(r.Header["Cookie"]) > 0 {
		switch n := len(r.CookiesNamed(s.Cookie)); {
		case n > 1:
			return ambiguous("cookie " + s.Cookie + " given more than once")
		case n == 1:
			places++
		}
	}
	if places > 1 {
		return ambiguous("the credential is in more than one of " + s.places())
	}
	return nil
}

// hasScheme says v is this source's credential (any value when the
// source has no scheme).
func (s *Source) hasScheme(v string) bool {
	if s.Scheme == "" {
		return true
	}
	return len(v) > len(s.Scheme) && v[len(s.Scheme)] == ' ' && strings.EqualFold(v[:len(s.Scheme)], s.Scheme)
}

func (s *Source) places() string {
	var p []string
	if s.Header != "" {
		p = append(p, "header "+s.Header)
	}
	if s.Query != "" {
		p = append(p, "query parameter "+s.Query)
	}
	if s.Cookie != "" {
		p = append(p, "cookie "+s.Cookie)
	}
	return strings.Join(p, ", ")
}

func ambiguous(why string) *pipeline.Error {
	return pipeline.NewError(http.StatusBadRequest, "ambiguous credentials: "+why)
}

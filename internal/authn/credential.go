// Package authn holds what the authentication policies share: where a
// credential is read from (and how it is hidden from the upstream), the
// WWW-Authenticate challenges of 401 answers, how several authentication
// policies on one route cooperate, and a bounded cache of verified
// credentials.
package authn

import (
	"net/http"
	"net/textproto"
	"strings"
)

// Where says where a credential was found.
type Where uint8

// Places a credential may come from.
const (
	Nowhere Where = iota
	InHeader
	InQuery
	InCookie
)

// Source is where a policy reads its credential: a header (optionally with
// an auth scheme such as "Bearer"), a query parameter, a cookie; the first
// one present wins, in that order.
type Source struct {
	// Header is the canonical header name; empty: not read from a header.
	Header string
	// Scheme, when set, is required before the value ("Bearer", "Basic"),
	// matched case-insensitively as RFC 7235 says.
	Scheme string
	Query  string
	Cookie string
}

// NewSource canonicalises the header name.
func NewSource(header, scheme, query, cookie string) Source {
	if header != "" {
		header = textproto.CanonicalMIMEHeaderKey(header)
	}
	return Source{Header: header, Scheme: scheme, Query: query, Cookie: cookie}
}

// Extract returns the credential and where it was found. A header with
// another scheme (Basic where Bearer is read) is someone else's credential
// and counts as absent, so another method on the route can take it.
func (s *Source) Extract(r *http.Request) (value string, where Where) {
	if s.Header != "" {
		if vs := r.Header[s.Header]; len(vs) > 0 {
			v := vs[0]
			if s.Scheme == "" {
				return v, InHeader
			}
			if s.hasScheme(v) {
				return strings.TrimLeft(v[len(s.Scheme)+1:], " "), InHeader
			}
		}
	}
	if s.Query != "" && r.URL.RawQuery != "" {
		if v := r.URL.Query().Get(s.Query); v != "" {
			return v, InQuery
		}
	}
	if s.Cookie != "" {
		if c, err := r.Cookie(s.Cookie); err == nil && c.Value != "" {
			return c.Value, InCookie
		}
	}
	return "", Nowhere
}

// Hide removes the credential from where it was found, so the upstream
// never sees it.
func (s *Source) Hide(r *http.Request, where Where) {
	switch where {
	case InHeader:
		delete(r.Header, s.Header)
	case InQuery:
		q := r.URL.Query()
		q.Del(s.Query)
		r.URL.RawQuery = q.Encode()
	case InCookie:
		removeCookie(r, s.Cookie)
	}
}

// removeCookie rewrites the Cookie header without the named cookie.
func removeCookie(r *http.Request, name string) {
	cookies := r.Cookies()
	delete(r.Header, "Cookie")
	var b strings.Builder
	for _, c := range cookies {
		if c.Name == name {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(c.Name + "=" + c.Value)
	}
	if b.Len() > 0 {
		r.Header.Set("Cookie", b.String())
	}
}

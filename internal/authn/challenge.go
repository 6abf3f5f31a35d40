package authn

import (
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// Challenge is the WWW-Authenticate value announcing a scheme and realm,
// e.g. `Bearer realm="api"`.
func Challenge(scheme, realm string) string {
	return scheme + ` realm="` + quote(realm) + `"`
}

// BearerError is an RFC 6750 challenge for a token that was presented but
// refused: `Bearer realm="api", error="invalid_token", error_description="token expired"`.
func BearerError(realm, code, description string) string {
	v := Challenge("Bearer", realm) + `, error="` + code + `"`
	if description != "" {
		v += `, error_description="` + quote(description) + `"`
	}
	return v
}

// quote makes s safe inside a quoted-string: no quotes, backslashes or
// control characters reach the header.
func quote(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r == '"' || r == '\\' || r < 0x20 || r == 0x7f }) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == '"' || r == '\\' || r < 0x20 || r == 0x7f {
			return '\''
		}
		return r
	}, s)
}

// Unauthorized is a 401 carrying the given challenges. msg reaches the
// client; it must never contain the credential.
func Unauthorized(msg string, challenges ...string) *pipeline.Error {
	return &pipeline.Error{Status: http.StatusUnauthorized, Msg: msg, Header: http.Header{"Www-Authenticate": challenges}}
}

// Forbidden is a 403: the caller is known but not permitted.
func Forbidden(msg string) *pipeline.Error {
	return pipeline.NewError(http.StatusForbidden, msg)
}

// Refused records on st that a credential the client presented was
// refused, when err is a 401, and returns err. A 503 (key server or
// introspection endpoint down) is not the client's failure.
func Refused(st *pipeline.State, err error) error {
	if pe, ok := err.(*pipeline.Error); ok && pe.Status == http.StatusUnauthorized && st != nil {
		st.CredentialRefused = true
	}
	return err
}

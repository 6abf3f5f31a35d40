// Package answer holds the policies that answer a request themselves,
// without the service: redirect, static_response (mocks, maintenance
// mode) and request_termination. They run after authentication and
// limits, as Kong's plugins of the same names do, so a termination can
// still be scoped to who is calling.
package answer

import (
	"net/http"
	"strconv"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

func init() {
	pipeline.Register("redirect", pipeline.PhaseCache, func() pipeline.Spec { return &RedirectSpec{} })
	pipeline.Register("static_response", pipeline.PhaseCache, func() pipeline.Spec { return &StaticSpec{} })
	pipeline.Register("request_termination", pipeline.PhaseCache, func() pipeline.Spec { return &TerminationSpec{} })
}

// body is a fixed answer: headers (values with cap == len, so appends
// elsewhere copy) and a body written unless the request is HEAD.
type body struct {
	status int
	header http.Header
	body   []byte
}

func newBody(status int, header map[string]string, contentType, text string) *body {
	b := &body{status: status, header: http.Header{}, body: []byte(text)}
	if contentType != "" {
		b.header["Content-Type"] = []string{contentType}
	}
	for k, v := range header {
		b.header[http.CanonicalHeaderKey(k)] = []string{v}
	}
	if bodyAllowed(status) {
		b.header["Content-Length"] = []string{strconv.Itoa(len(text))}
	}
	return b
}

func (b *body) write(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	for k, v := range b.header {
		h[k] = v[:1:1]
	}
	w.WriteHeader(b.status)
	if r.Method != http.MethodHead && bodyAllowed(b.status) && len(b.body) > 0 {
		_, _ = w.Write(b.body)
	}
}

func bodyAllowed(status int) bool {
	return status != http.StatusNoContent && status != http.StatusNotModified
}

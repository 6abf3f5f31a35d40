package cache

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// fallbackWriter stands between the proxy and the client while a stale
// entry may answer under stale-if-error: an error the gateway writes
// itself because no try got an answer (502, 503, 504) is held back, and
// the stale entry is served instead. Answers from the service go through
// ModifyResponse, which does the same for a 5xx.
type fallbackWriter struct {
	http.ResponseWriter
	p         *policy
	r         *http.Request
	st        *pipeline.State
	rs        *reqState
	swallowed bool
}

func (f *fallbackWriter) WriteHeader(code int) {
	if code >= 500 && !f.rs.answered && !f.swallowed {
		f.swallowed = true
		return
	}
	f.ResponseWriter.WriteHeader(code)
}

func (f *fallbackWriter) Write(b []byte) (int, error) {
	if f.swallowed {
		return len(b), nil
	}
	return f.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the client's writer.
func (f *fallbackWriter) Unwrap() http.ResponseWriter { return f.ResponseWriter }

// finish serves the stale entry if the gateway's error was held back.
func (f *fallbackWriter) finish(err error) error {
	if !f.swallowed {
		return err
	}
	h := f.ResponseWriter.Header()
	for _, k := range []string{"Content-Type", "Content-Length", "Retry-After", "X-Content-Type-Options"} {
		delete(h, k)
	}
	staleServed.Inc()
	if st := f.st; st != nil {
		st.Err = nil
	}
	return f.p.serve(f.ResponseWriter, f.r, f.st, f.rs.stale, f.p.clock(), "hit; fwd=stale; detail=stale-if-error")
}

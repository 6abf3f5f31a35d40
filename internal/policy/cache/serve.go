package cache

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/cache"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// serve answers r with entry e: a 304 when the client's validators match
// it, else the stored response passed through the response policies that
// follow the cache (compress encodes it for this client), with Age and
// Cache-Status.
func (p *policy) serve(w http.ResponseWriter, r *http.Request, st *pipeline.State, e *cache.Entry, now time.Time, status string) error {
	ttl := e.TTL(now) / time.Second
	params := status + "; ttl=" + itoa(int64(ttl))
	if ttl < 0 {
		params = status + "; ttl=-" + itoa(int64(-ttl))
	}
	if notModified(r.Header, e.Header) {
		h := w.Header()
		for _, k := range []string{"Etag", "Last-Modified", "Cache-Control", "Expires", "Vary", "Content-Location"} {
			if vs := e.Header[k]; len(vs) > 0 {
				mergeField(h, k, vs)
			}
		}
		h["Age"] = []string{itoa(int64(e.Age(now) / time.Second))}
		setStatus(h, params)
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	if len(p.tail) == 0 {
		return p.serveDirect(w, r, e, now, params)
	}
	body := io.NopCloser(bytes.NewReader(e.Body))
	resp := &http.Response{
		StatusCode:    e.Status,
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        e.Header.Clone(),
		Body:          body,
		ContentLength: int64(len(e.Body)),
		Request:       r,
	}
	resp.Header["Age"] = []string{itoa(int64(e.Age(now) / time.Second))}
	setStatus(resp.Header, params)
	for _, tp := range p.tail {
		if err := tp.ModifyResponse(resp, st); err != nil {
			resp.Body.Close()
			return err
		}
	}
	defer resp.Body.Close()
	h := w.Header()
	for k, vs := range resp.Header {
		mergeField(h, k, vs)
	}
	if resp.ContentLength < 0 {
		delete(h, "Content-Length")
	}
	w.WriteHeader(resp.StatusCode)
	if r.Method == http.MethodHead {
		return nil
	}
	var err error
	if resp.Body == body {
		_, err = w.Write(e.Body) // unchanged by the tail: no copy
	} else {
		bp := copyBuffers.Get().(*[]byte)
		_, err = io.CopyBuffer(w, resp.Body, *bp)
		copyBuffers.Put(bp)
	}
	if err != nil {
		panic(http.ErrAbortHandler) // a hit cut short must not look complete
	}
	return nil
}

var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// serveDirect writes a hit when no response policy follows the cache:
// the stored header's value slices are shared, not cloned (nothing on the
// way out appends to them), and the body is one write.
func (p *policy) serveDirect(w http.ResponseWriter, r *http.Request, e *cache.Entry, now time.Time, params string) error {
	h := w.Header()
	for k, vs := range e.Header {
		mergeField(h, k, vs)
	}
	h["Age"] = []string{itoa(int64(e.Age(now) / time.Second))}
	setStatus(h, params)
	w.WriteHeader(e.Status)
	if r.Method == http.MethodHead {
		return nil
	}
	if _, err := w.Write(e.Body); err != nil {
		panic(http.ErrAbortHandler) // a hit cut short must not look complete
	}
	return nil
}

// mergeField adds a stored field to the client's header as the proxy adds
// a service's: after what policies before the cache set (cors's Vary:
// Origin), never in place of it. The stored slice is clipped, so an
// append by anyone later copies instead of writing into the entry.
func mergeField(h http.Header, k string, vs []string) {
	if prior, ok := h[k]; ok {
		h[k] = append(prior[:len(prior):len(prior)], vs...)
		return
	}
	h[k] = vs[:len(vs):len(vs)]
}

// notModified evaluates the client's conditional request against the
// entry (RFC 9110, 13.2.2): If-None-Match with weak comparison first,
// else If-Modified-Since against Last-Modified.
func notModified(req, stored http.Header) bool {
	if inm := req["If-None-Match"]; len(inm) > 0 {
		et := stored["Etag"]
		return len(et) > 0 && etagMatch(inm, et[0])
	}
	ims, lm := req["If-Modified-Since"], stored["Last-Modified"]
	if len(ims) == 0 || len(lm) == 0 {
		return false
	}
	t1, err1 := http.ParseTime(ims[0])
	t2, err2 := http.ParseTime(lm[0])
	return err1 == nil && err2 == nil && !t2.After(t1)
}

func etagMatch(inm []string, etag string) bool {
	want := weakless(etag)
	for _, v := range inm {
		for _, t := range splitETags(v) {
			if t == "*" || weakless(t) == want {
				return true
			}
		}
	}
	return false
}

func weakless(t string) string {
	if len(t) > 2 && t[:2] == "W/" {
		return t[2:]
	}
	return t
}

func splitETags(v string) []string {
	var out []string
	for v != "" {
		i := 0
		for i < len(v) && (v[i] == ' ' || v[i] == ',') {
			i++
		}
		v = v[i:]
		if v == "" {
			break
		}
		j := 0
		if len(v) > 1 && v[:2] == "W/" {
			j = 2
		}
		if j < len(v) && v[j] == '"' {
			k := j + 1
			for k < len(v) && v[k] != '"' {
				k++
			}
			end := min(k+1, len(v))
			out = append(out, v[:end])
			v = v[end:]
			continue
		}
		k := 0
		for k < len(v) && v[k] != ',' {
			k++
		}
		out = append(out, v[:k])
		v = v[k:]
	}
	return out
}

// revalidateInBackground refreshes a stale entry served under
// stale-while-revalidate, once per key at a time, with its own request
// state and a bounded context: the client has its answer already.
func (p *policy) revalidateInBackground(next pipeline.Handler, r *http.Request, st *pipeline.State, key, full string, e *cache.Entry) {
	f, leader := p.kept.flights.join(full)
	if !leader {
		return
	}
	bst := &pipeline.State{}
	*bst = *st
	bst.Captures = append([]pipeline.Capture(nil), st.Captures...)
	bst.Writer = nil
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), backgroundTimeout)
	req := r.Clone(ctx)
	rs := &reqState{key: key, full: full, client: req, stale: e, status: "fwd=stale"}
	rs.cond = addValidators(req.Header, e)
	req = pipeline.WithState(req.WithContext(context.WithValue(req.Context(), stateKey{}, rs)), bst)
	go func() {
		defer cancel()
		defer p.kept.flights.done(full, f)
		_ = next(discard{h: http.Header{}}, req)
	}()
}

const backgroundTimeout = 30 * time.Second

// discard is the response writer of a background revalidation.
type discard struct{ h http.Header }

func (d discard) Header() http.Header         { return d.h }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}

package cache

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/cache"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// ModifyResponse sees the service's answer to a request that went
// through the cache: a 304 to the cache's own validators refreshes the
// stale entry and answers with it; a 5xx inside stale-if-error answers
// with the stale entry; a storable answer is captured as it streams to
// the client and stored when complete.
func (p *policy) ModifyResponse(resp *http.Response, st *pipeline.State) error {
	rs := stateOf(resp.Request)
	if rs == nil {
		return nil
	}
	rs.answered = true
	now := p.clock()
	switch {
	case rs.cond && resp.StatusCode == http.StatusNotModified:
		e := p.refreshed(rs.stale, resp.Header, now)
		p.put(rs, e, resp.Header)
		resp.Body.Close()
		replaceWith(resp, e, now)
		setStatus(resp.Header, "fwd=stale; fwd-status=304; stored")
		return nil
	case rs.fallback && resp.StatusCode >= 500:
		resp.Body.Close()
		status := resp.StatusCode
		replaceWith(resp, rs.stale, now)
		setStatus(resp.Header, "hit; fwd=stale; fwd-status="+itoa(int64(status))+"; detail=stale-if-error")
		staleServed.Inc()
		return nil
	}
	e, why := p.storable(rs.client, resp, now)
	if e == nil {
		setStatus(resp.Header, rs.status+"; detail="+why)
		return nil
	}
	// The header is taken now: the policies after the cache (compress)
	// change it for this client, not for the entry.
	e.Header = storedHeader(resp.Header)
	setStatus(resp.Header, rs.status+"; stored")
	resp.Body = &capture{ReadCloser: resp.Body, p: p, rs: rs, e: e, limit: p.maxEntry}
	return nil
}

// storable builds the entry for a response that may be stored (its body
// still to come), or says why not.
func (p *policy) storable(req *http.Request, resp *http.Response, now time.Time) (*cache.Entry, string) {
	h := resp.Header
	switch {
	case req.Method != http.MethodGet:
		return nil, "method"
	case !cache.CacheableStatus(resp.StatusCode):
		return nil, "status"
	case resp.ContentLength > p.maxEntry:
		return nil, "too-large"
	}
	d := cache.ParseDirectives(h["Cache-Control"])
	switch {
	case d.NoStore:
		return nil, "no-store"
	case d.Private:
		return nil, "private"
	case len(h["Set-Cookie"]) > 0 && !p.setCookie:
		return nil, "set-cookie"
	}
	if _, star := varyNames(h["Vary"]); star {
		return nil, "vary-star"
	}
	fresh, ok := cache.Lifetime(h, d, now)
	if p.ttl > 0 {
		fresh, ok = p.ttl, true
	}
	if d.NoCache {
		fresh, ok = 0, true // stored, but revalidated before every use
	}
	if !ok {
		return nil, "no-freshness"
	}
	e := &cache.Entry{
		Status:               resp.StatusCode,
		StoredAt:             now,
		AgeAtStore:           cache.InitialAge(h, now),
		Fresh:                fresh,
		StaleWhileRevalidate: p.swr,
		StaleIfError:         p.sie,
		MustRevalidate:       d.MustRevalidate || d.SMaxAge >= 0 && p.ttl == 0,
		Route:                p.route,
	}
	if d.StaleWhileRevalidate > 0 {
		e.StaleWhileRevalidate = d.StaleWhileRevalidate
	}
	if d.StaleIfError > 0 {
		e.StaleIfError = d.StaleIfError
	}
	if p.ttl > 0 {
		e.AgeAtStore = 0 // the configured TTL counts from now
	}
	if fresh == 0 && !hasValidators(h) {
		return nil, "no-cache-without-validators"
	}
	for _, v := range h["Surrogate-Key"] {
		e.Tags = append(e.Tags, strings.Fields(v)...)
	}
	return e, ""
}

func hasValidators(h http.Header) bool { return len(h["Etag"]) > 0 || len(h["Last-Modified"]) > 0 }

// put stores e under the request's key, with the response's Vary.
func (p *policy) put(rs *reqState, e *cache.Entry, h http.Header) {
	names, _ := varyNames(h["Vary"])
	full := rs.key
	if len(names) > 0 {
		p.kept.vary.Store(rs.key, names)
		full = varyKey(rs.key, names, rs.client.Header)
	} else {
		p.kept.vary.Delete(rs.key)
	}
	p.kept.store.Set(full, e, e.Keep())
	stores.Inc()
}

// refreshed is a stale entry updated by a 304 (RFC 9111, 4.3.4): its
// header fields replaced by those the 304 sent, its freshness anew.
func (p *policy) refreshed(old *cache.Entry, h http.Header, now time.Time) *cache.Entry {
	e := *old
	e.Header = old.Header.Clone()
	for k, vs := range h {
		switch k {
		case "Content-Length", "Content-Encoding", "Transfer-Encoding", "Content-Range", "Cache-Status":
			continue
		}
		e.Header[k] = vs
	}
	d := cache.ParseDirectives(e.Header["Cache-Control"])
	fresh, ok := cache.Lifetime(e.Header, d, now)
	if p.ttl > 0 || !ok {
		fresh = p.ttl
	}
	e.Fresh, e.StoredAt, e.AgeAtStore = fresh, now, 0
	if p.ttl == 0 {
		e.AgeAtStore = cache.InitialAge(h, now)
	}
	return &e
}

// replaceWith turns resp into the stored entry's answer.
func replaceWith(resp *http.Response, e *cache.Entry, now time.Time) {
	resp.StatusCode = e.Status
	resp.Status = ""
	resp.Header = e.Header.Clone()
	resp.Header["Age"] = []string{itoa(int64(e.Age(now) / time.Second))}
	resp.Body = io.NopCloser(bytes.NewReader(e.Body))
	resp.ContentLength = int64(len(e.Body))
	resp.Header["Content-Length"] = []string{itoa(int64(len(e.Body)))}
	resp.TransferEncoding = nil
	resp.Trailer = nil
}

// capture tees a storable response body as it streams to the client and
// stores the entry once the body ended cleanly within the size limit.
type capture struct {
	io.ReadCloser
	p     *policy
	rs    *reqState
	e     *cache.Entry
	buf   bytes.Buffer
	limit int64
	over  bool
	done  bool
}

func (c *capture) Read(b []byte) (int, error) {
	n, err := c.ReadCloser.Read(b)
	if n > 0 && !c.over {
		if int64(c.buf.Len()+n) > c.limit {
			c.over = true
			c.buf = bytes.Buffer{}
		} else {
			c.buf.Write(b[:n])
		}
	}
	if err == io.EOF && !c.over && !c.done {
		c.done = true
		c.e.Body = c.buf.Bytes()
		c.p.put(c.rs, c.e, c.e.Header)
	}
	return n, err
}

// storedHeader is what is kept of a response's header: no hop-by-hop or
// per-message fields, no cookies, and nothing the cache computes itself.
func storedHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		switch k {
		case "Set-Cookie", "Age", "Cache-Status", "Connection", "Keep-Alive", "Transfer-Encoding",
			"Trailer", "Upgrade", "Proxy-Authenticate", "X-Request-Id":
			continue
		}
		out[k] = append([]string(nil), vs...)
	}
	return out
}

package compress

import (
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/pipeline"
	"github.com/prometheus/client_golang/prometheus"
)

// policy is a built compress policy.
type policy struct {
	prefer   []string
	pools    [maxCodings]*encoders
	metrics  [maxCodings]*codingMetrics
	types    *typeMatcher
	minBytes int64
	decode   *decodeLimits
}

type codingMetrics struct{ in, out prometheus.Counter }

// Build compiles the settings: encoder pools per coding, the type
// matcher, metric series.
func (s *Spec) Build(pipeline.BuildContext) (pipeline.Policy, error) {
	p := &policy{prefer: s.Algorithms, minBytes: defaultMinBytes}
	if p.prefer == nil {
		p.prefer = defaultAlgorithms
	}
	if s.MinBytes > 0 {
		p.minBytes = int64(s.MinBytes)
	}
	types := s.Types
	if types == nil {
		types = defaultTypes
	}
	p.types = newTypeMatcher(types)
	for _, c := range p.prefer {
		i := index(c)
		p.pools[i] = newEncoders(c, s.level(c))
		p.metrics[i] = &codingMetrics{
			in:  metrics.CompressionBytes.WithLabelValues(c, "in"),
			out: metrics.CompressionBytes.WithLabelValues(c, "out"),
		}
	}
	if d := s.DecompressRequests; d != nil {
		p.decode = &decodeLimits{maxBytes: d.MaxBytes, maxRatio: int64(d.MaxRatio)}
		if p.decode.maxBytes == 0 {
			p.decode.maxBytes = defaultDecodeMax
		}
		if p.decode.maxRatio == 0 {
			p.decode.maxRatio = defaultDecodeRatio
		}
	}
	return p, nil
}

// Handle decodes a compressed request body when the policy says so; the
// response is encoded in ModifyResponse.
func (p *policy) Handle(w http.ResponseWriter, r *http.Request, next pipeline.Handler) error {
	if p.decode != nil && len(r.Header["Content-Encoding"]) > 0 {
		if err := p.decode.wrap(r); err != nil {
			return err
		}
	}
	return next(w, r)
}

// ModifyResponse encodes the service's response for the client when it
// is worth it and the client takes a coding on offer. It never encodes
// twice (a response with a Content-Encoding passes as it is), respects
// Cache-Control: no-transform, leaves partial and bodiless answers alone,
// adds Vary: Accept-Encoding to every response it could have encoded, and
// turns a strong ETag weak, since the encoded bytes differ from the
// representation the service tagged.
func (p *policy) ModifyResponse(resp *http.Response, st *pipeline.State) error {
	h := resp.Header
	switch resp.StatusCode {
	case http.StatusNoContent, http.StatusPartialContent, http.StatusNotModified:
		return nil
	}
	if resp.StatusCode < 200 || resp.Request == nil || resp.Request.Method == http.MethodHead {
		return nil
	}
	if ce := h["Content-Encoding"]; len(ce) > 0 && !(len(ce) == 1 && strings.EqualFold(ce[0], "identity")) {
		return nil
	}
	if ct := h["Content-Type"]; len(ct) == 0 || !p.types.match(ct[0]) {
		return nil
	}
	if noTransform(h["Cache-Control"]) {
		return nil
	}
	addVary(h)
	if resp.ContentLength >= 0 && resp.ContentLength < p.minBytes {
		return nil
	}
	accept := resp.Request.Header["Accept-Encoding"]
	if st != nil && st.AcceptEncoding != nil {
		accept = st.AcceptEncoding
	}
	coding := choose(accept, p.prefer)
	if coding == "" {
		return nil
	}
	i := index(coding)
	stream := resp.ContentLength < 0 || isEventStream(h["Content-Type"][0])
	resp.Body = newEncodedBody(resp.Body, p.pools[i], stream, p.metrics[i])
	resp.ContentLength = -1
	delete(h, "Content-Length")
	delete(h, "Accept-Ranges") // ranges of the service's bytes, not of these
	h["Content-Encoding"] = codingValues[i]
	if et := h["Etag"]; len(et) == 1 && strings.HasPrefix(et[0], `"`) {
		h["Etag"] = []string{"W/" + et[0]}
	}
	return nil
}

var codingValues = [maxCodings][]string{{gzipName}, {brName}, {zstdName}}

var varyAcceptEncoding = []string{"Accept-Encoding"}

// addVary names Accept-Encoding in Vary unless it is there (or "*" is).
func addVary(h http.Header) {
	vs := h["Vary"]
	for _, v := range vs {
		for f := range strings.SplitSeq(v, ",") {
			f = strings.TrimSpace(f)
			if f == "*" || strings.EqualFold(f, "Accept-Encoding") {
				return
			}
		}
	}
	if len(vs) == 0 {
		h["Vary"] = varyAcceptEncoding
		return
	}
	// One field line, as most services write it: "Origin, Accept-Encoding".
	out := append([]string(nil), vs...)
	out[len(out)-1] += ", Accept-Encoding"
	h["Vary"] = out
}

func noTransform(cc []string) bool {
	for _, v := range cc {
		for f := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), "no-transform") {
				return true
			}
		}
	}
	return false
}

func isEventStream(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.EqualFold(strings.TrimSpace(mt), "text/event-stream")
}

package compress

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// decodeLimits bounds a decoded request body.
type decodeLimits struct {
	maxBytes int64
	maxRatio int64
}

var errUnsupportedCoding = pipeline.NewError(http.StatusUnsupportedMediaType,
	"request Content-Encoding must be one of gzip, br, zstd or identity")

// wrap replaces r's body with its decoding, bounded in size and ratio,
// and drops the headers that described the encoded body. A coding it
// cannot decode is refused with 415, as the service would get bytes it
// was told nothing about otherwise.
func (d *decodeLimits) wrap(r *http.Request) error {
	ce := r.Header["Content-Encoding"]
	if len(ce) != 1 || strings.Contains(ce[0], ",") {
		return errUnsupportedCoding // stacked codings: not worth the risk
	}
	coding := strings.ToLower(strings.TrimSpace(ce[0]))
	if coding == "identity" {
		delete(r.Header, "Content-Encoding")
		return nil
	}
	in := &countingReader{r: r.Body}
	var dec io.Reader
	var closeDec func()
	switch coding {
	case gzipName, "x-gzip":
		zr, err := gzip.NewReader(in)
		if err != nil {
			return pipeline.Wrap(http.StatusBadRequest, "request body is not valid gzip", err)
		}
		dec, closeDec = zr, func() { zr.Close() }
	case brName:
		dec = brotli.NewReader(in)
	case zstdName:
		zr, err := zstd.NewReader(in, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxMemory(uint64(d.maxBytes)+1))
		if err != nil {
			return pipeline.Wrap(http.StatusBadRequest, "request body is not valid zstd", err)
		}
		dec, closeDec = zr, zr.Close
	default:
		return errUnsupportedCoding
	}
	r.Body = &decodedBody{dec: dec, in: in, orig: r.Body, limits: d, closeDec: closeDec}
	r.ContentLength = -1
	delete(r.Header, "Content-Encoding")
	delete(r.Header, "Content-Length")
	return nil
}

// decodedBody reads a decoded request body and stops with
// *http.MaxBytesError (which the proxy answers 413) as soon as the body
// passes its size or ratio limit.
type decodedBody struct {
	dec      io.Reader
	in       *countingReader
	orig     io.ReadCloser
	limits   *decodeLimits
	closeDec func()
	out      int64
}

// ratioFloor keeps the ratio check from refusing small bodies that
// compress well: it applies once the decoded body is past this size.
const ratioFloor = 64 << 10

func (b *decodedBody) Read(p []byte) (int, error) {
	n, err := b.dec.Read(p)
	b.out += int64(n)
	if b.out > b.limits.maxBytes {
		return n, &http.MaxBytesError{Limit: b.limits.maxBytes}
	}
	if b.out > ratioFloor && b.out > b.limits.maxRatio*max(b.in.n, 1) {
		return n, &http.MaxBytesError{Limit: b.limits.maxRatio * b.in.n}
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return n, pipeline.Wrap(http.StatusBadRequest, "request body could not be decoded", err)
	}
	return n, err
}

func (b *decodedBody) Close() error {
	if b.closeDec != nil {
		b.closeDec()
		b.closeDec = nil
	}
	return b.orig.Close()
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

package compress

import (
	"bytes"
	"io"
	"sync"
)

// encodedBody compresses a response body as it is read, on the reader's
// goroutine: each Read pulls from the service, feeds the encoder and
// hands out what it produced. A stream (an event stream, or a body of
// unknown length) is flushed after each piece so every event reaches the
// client at once; a body of known length is flushed only at its end, so
// the encoder can make whole blocks.
type encodedBody struct {
	src    io.ReadCloser
	enc    encoder
	pool   *encoders
	stream bool
	m      *codingMetrics

	out     bytes.Buffer
	scratch *[]byte
	in      int64
	sent    int64
	done    bool
	closed  bool
}

var scratchPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func newEncodedBody(src io.ReadCloser, pool *encoders, stream bool, m *codingMetrics) *encodedBody {
	b := &encodedBody{src: src, pool: pool, stream: stream, m: m, scratch: scratchPool.Get().(*[]byte)}
	b.enc = pool.get(&b.out)
	return b
}

func (b *encodedBody) Read(p []byte) (int, error) {
	for b.out.Len() == 0 && !b.done {
		n, err := b.src.Read(*b.scratch)
		if n > 0 {
			b.in += int64(n)
			if _, werr := b.enc.Write((*b.scratch)[:n]); werr != nil {
				return 0, werr
			}
			if b.stream {
				if ferr := b.enc.Flush(); ferr != nil {
					return 0, ferr
				}
			}
		}
		if err == io.EOF {
			b.done = true
			if cerr := b.enc.Close(); cerr != nil {
				return 0, cerr
			}
			break
		}
		if err != nil {
			return 0, err
		}
	}
	if b.out.Len() == 0 {
		return 0, io.EOF
	}
	n, _ := b.out.Read(p)
	b.sent += int64(n)
	return n, nil
}

// Close ends the upstream body and gives the encoder and buffer back.
func (b *encodedBody) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	err := b.src.Close()
	b.pool.put(b.enc)
	b.enc = nil
	scratchPool.Put(b.scratch)
	b.scratch = nil
	b.m.in.Add(float64(b.in))
	b.m.out.Add(float64(b.sent))
	return err
}

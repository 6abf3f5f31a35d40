package compress

import (
	"io"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// encoder is what the three codings' writers have in common.
type encoder interface {
	io.Writer
	Flush() error
	Close() error
	Reset(w io.Writer)
}

// encoders lends one coding's writers at one level. Writers hold large
// tables (brotli's and zstd's especially), so a response takes one from
// the pool and gives it back, instead of allocating one per response.
type encoders struct {
	pool sync.Pool
}

func newEncoders(coding string, level int) *encoders {
	e := &encoders{}
	e.pool.New = func() any {
		switch coding {
		case brName:
			return brotli.NewWriterLevel(io.Discard, level)
		case zstdName:
			w, err := zstd.NewWriter(io.Discard, zstd.WithEncoderLevel(zstd.EncoderLevelFromZstd(level)),
				zstd.WithEncoderConcurrency(1), zstd.WithLowerEncoderMem(true), zstd.WithWindowSize(1<<20))
			if err != nil {
				panic("compress: zstd writer: " + err.Error()) // options are fixed and valid
			}
			return w
		}
		w, err := gzip.NewWriterLevel(io.Discard, level)
		if err != nil {
			panic("compress: gzip writer: " + err.Error()) // level checked by Validate
		}
		return w
	}
	return e
}

func (e *encoders) get(w io.Writer) encoder {
	enc := e.pool.Get().(encoder)
	enc.Reset(w)
	return enc
}

// put returns a writer; it is reset to io.Discard so the pool does not
// keep the response's buffer alive.
func (e *encoders) put(enc encoder) {
	enc.Reset(io.Discard)
	e.pool.Put(enc)
}

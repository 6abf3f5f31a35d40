package sizelimit

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

func TestLimited(t *testing.T) {
	for _, tt := range []struct {
		size    int
		tooBig  bool
		readLen int
	}{{99, false, 99}, {100, false, 100}, {101, true, 100}, {5000, true, 100}} {
		l := &limited{rc: io.NopCloser(strings.NewReader(strings.Repeat("x", tt.size))), left: 100, max: 100}
		b, err := io.ReadAll(l)
		var mbe *http.MaxBytesError
		if got := errors.As(err, &mbe); got != tt.tooBig || len(b) != tt.readLen {
			t.Errorf("%d bytes: read %d, err %v; want too big %v, %d read", tt.size, len(b), err, tt.tooBig, tt.readLen)
		}
	}
}

func TestHandle(t *testing.T) {
	p := &Policy{max: 10}
	next := func(w http.ResponseWriter, r *http.Request) error {
		_, err := io.ReadAll(r.Body)
		return err
	}
	r := httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", 11)))
	if err := p.Handle(nil, r, next); pipeline.AsError(err).Status != 413 {
		t.Errorf("Content-Length over the limit: %v; want 413", err)
	}
	r = httptest.NewRequest("POST", "/", io.NopCloser(strings.NewReader(strings.Repeat("x", 11))))
	r.ContentLength = -1
	var mbe *http.MaxBytesError
	if err := p.Handle(nil, r, next); !errors.As(err, &mbe) {
		t.Errorf("chunked over the limit: %v; want a MaxBytesError", err)
	}
	r = httptest.NewRequest("POST", "/", io.NopCloser(strings.NewReader("x")))
	r.ContentLength = -1
	if err := (&Policy{max: 10, requireLength: true}).Handle(nil, r, next); pipeline.AsError(err).Status != 411 {
		t.Errorf("chunked with require_content_length: %v; want 411", err)
	}
	r = httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", 1000)))
	if err := (&Policy{}).Handle(nil, r, next); err != nil {
		t.Errorf("max_bytes 0: %v; want no limit", err)
	}
}

package statepool

import "testing"

type closer struct{ closed bool }

func (c *closer) Close() error { c.closed = true; return nil }

func TestReuseAcrossGenerations(t *testing.T) {
	p := New()
	g1 := p.Begin()
	a, _ := Get(g1, "a", func() (*closer, error) { return &closer{}, nil })
	b, _ := Get(g1, "b", func() (*closer, error) { return &closer{}, nil })
	g1.Commit()

	g2 := p.Begin()
	a2, _ := Get(g2, "a", func() (*closer, error) { return &closer{}, nil })
	if a2 != a {
		t.Fatalf("unchanged key got a new value")
	}
	if b.closed {
		t.Fatalf("b closed before commit")
	}
	g2.Commit()
	if !b.closed || a.closed {
		t.Fatalf("after commit: a.closed=%v b.closed=%v; want false true", a.closed, b.closed)
	}
	if p.Len() != 1 {
		t.Fatalf("Len = %d; want 1", p.Len())
	}
}

func TestAbortKeepsOldValues(t *testing.T) {
	p := New()
	g1 := p.Begin()
	a, _ := Get(g1, "a", func() (*closer, error) { return &closer{}, nil })
	g1.Commit()
	g2 := p.Begin()
	_, _ = Get(g2, "a", func() (*closer, error) { return &closer{}, nil })
	n, _ := Get(g2, "new", func() (*closer, error) { return &closer{}, nil })
	g2.Abort()
	if a.closed || !n.closed {
		t.Fatalf("abort: a.closed=%v new.closed=%v; want false true", a.closed, n.closed)
	}
	if p.Len() != 1 {
		t.Fatalf("Len = %d; want 1", p.Len())
	}
}

func TestNilGenCreates(t *testing.T) {
	n := 0
	for range 2 {
		_, _ = Get(nil, "k", func() (int, error) { n++; return n, nil })
	}
	if n != 2 {
		t.Fatalf("create called %d times; want 2", n)
	}
}

// TestOverlappingGenerations: a value only the oldest runtime used is
// closed when the next generation commits, while one a newer generation
// took stays even when an older generation commits after it began.
func TestOverlappingGenerations(t *testing.T) {
	p := New()
	g1 := p.Begin()
	a, _ := Get(g1, "a", func() (*closer, error) { return &closer{}, nil })
	b, _ := Get(g1, "b", func() (*closer, error) { return &closer{}, nil })
	g1.Commit()
	g2 := p.Begin() // uses neither
	g3 := p.Begin()
	b3, _ := Get(g3, "b", func() (*closer, error) { return &closer{}, nil })
	g2.Commit() // runtime 1 drained
	if !a.closed || b.closed || b3 != b {
		t.Fatalf("a.closed=%v b.closed=%v same=%v; want true false true", a.closed, b.closed, b3 == b)
	}
	g3.Commit()
	if b.closed {
		t.Fatalf("b closed although generation 3 uses it")
	}
}

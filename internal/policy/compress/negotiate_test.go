package compress

import "testing"

func TestChoose(t *testing.T) {
	prefer := []string{"zstd", "br", "gzip"}
	for _, tc := range []struct {
		accept []string
		want   string
	}{
		{nil, ""},
		{[]string{""}, ""},
		{[]string{"gzip"}, "gzip"},
		{[]string{"gzip, deflate, br"}, "br"},
		{[]string{"gzip, br, zstd"}, "zstd"},
		{[]string{"gzip;q=1, br;q=0.5"}, "gzip"},
		{[]string{"br;q=0", "gzip"}, "gzip"},
		{[]string{"*"}, "zstd"},
		{[]string{"*;q=0.1, gzip;q=0.2"}, "gzip"},
		{[]string{"*, zstd;q=0"}, "br"},
		{[]string{"identity"}, ""},
		{[]string{"GZIP"}, "gzip"},
		{[]string{"x-gzip"}, "gzip"},
		{[]string{"gzip;q=2"}, ""},
		{[]string{"gzip;q=abc, br"}, "br"},
		{[]string{"gzip", "br"}, "br"},
	} {
		if got := choose(tc.accept, prefer); got != tc.want {
			t.Errorf("choose(%q) = %q; want %q", tc.accept, got, tc.want)
		}
	}
	if got := choose([]string{"gzip, br"}, []string{"gzip", "br"}); got != "gzip" {
		t.Errorf("server preference ignored: %q", got)
	}
}

func FuzzChoose(f *testing.F) {
	f.Add("gzip;q=0.8, br, *;q=0")
	f.Add("zstd;q=0.001,gzip;q=1.0")
	f.Fuzz(func(t *testing.T, accept string) {
		got := choose([]string{accept}, []string{"zstd", "br", "gzip"})
		switch got {
		case "", "gzip", "br", "zstd":
		default:
			t.Fatalf("choose(%q) = %q, not a coding on offer", accept, got)
		}
	})
}

func TestChooseAllocates(t *testing.T) {
	a := []string{"gzip;q=0.8, br;q=0.9, zstd;q=0.1"}
	p := []string{"zstd", "br", "gzip"}
	if n := testing.AllocsPerRun(100, func() { choose(a, p) }); n != 0 {
		t.Fatalf("%v allocations per negotiation", n)
	}
}

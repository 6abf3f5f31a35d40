package router

import (
	"fmt"
	"net/http/httptest"
	"testing"
)

func benchTable(b *testing.B, n int, spec func(i int) Spec) *Table {
	b.Helper()
	specs := make([]Spec, n)
	for i := range specs {
		specs[i] = spec(i)
		specs[i].Value = i
	}
	tb, err := Compile(specs)
	if err != nil {
		b.Fatal(err)
	}
	return tb
}

func benchMatch(b *testing.B, tb *Table, host, path string, want int) {
	r := httptest.NewRequest("GET", "http://x/", nil)
	if got := tb.Match(r, host, path); got.Index != want {
		b.Fatalf("got route %d; want %d", got.Index, want)
	}
	b.ReportAllocs()
	for b.Loop() {
		tb.Match(r, host, path)
	}
}

func BenchmarkMatch10kPrefix(b *testing.B) {
	tb := benchTable(b, 10000, func(i int) Spec {
		return Spec{PathPrefix: fmt.Sprintf("/svc%04d/v1/resource", i), Methods: []string{"GET"}}
	})
	benchMatch(b, tb, "api.example.com", "/svc5000/v1/resource/123/items", 5000)
}

func BenchmarkMatchExact(b *testing.B) {
	tb := benchTable(b, 10000, func(i int) Spec {
		return Spec{Path: fmt.Sprintf("/svc%04d/v1/resource", i), Methods: []string{"GET"}}
	})
	benchMatch(b, tb, "api.example.com", "/svc5000/v1/resource", 5000)
}

func BenchmarkNormalizeClean(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Normalize("/svc5000/v1/resource/123/items", false); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNormalizeDirty(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Normalize("//svc5000/./v1/x/../resource/caf%C3%A9/%61/items/", false); err != nil {
			b.Fatal(err)
		}
	}
}

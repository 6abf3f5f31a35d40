package ratelimit

import (
	"net/http"
	"testing"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// FuzzKeyDistinct: client-chosen header values can never make two
// different identities share a bucket (or one identity split into two).
func FuzzKeyDistinct(f *testing.F) {
	f.Add("a", "b;", "a;", "b")
	f.Add("1:x", "", "", "1:x")
	f.Add("tenant", "header=3:abc;", "tenant", "header=3:abc;")
	p := &policy{parts: []keyPart{{kind: "header", name: "X-A"}, {kind: "ip"}, {kind: "header", name: "X-B"}}}
	st := &pipeline.State{ClientIP: "192.0.2.1"}
	key := func(a, b string) string {
		r := &http.Request{Header: http.Header{"X-A": {a}, "X-B": {b}}}
		return string(p.appendKey(nil, st, r))
	}
	f.Fuzz(func(t *testing.T, a1, b1, a2, b2 string) {
		k1, k2 := key(a1, b1), key(a2, b2)
		if same := a1 == a2 && b1 == b2; same != (k1 == k2) {
			t.Fatalf("(%q, %q) -> %q and (%q, %q) -> %q; want equal keys exactly for equal values", a1, b1, k1, a2, b2, k2)
		}
	})
}

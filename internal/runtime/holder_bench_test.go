package runtime

import "testing"

// BenchmarkHolderAcquire is the per-request cost of counting a request
// on the current runtime for draining: one load, one add, one re-check,
// one add on release.
func BenchmarkHolderAcquire(b *testing.B) {
	h := NewHolder(&Runtime{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rt := h.acquire()
			rt.inflight.Add(-1)
		}
	})
	if got := h.Load().InFlight(); got != 0 {
		b.Fatalf("in flight after the loop = %d; want 0", got)
	}
}

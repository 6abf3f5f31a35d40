package upstream

import (
	"testing"
	"time"
)

// FuzzConsistentHashKey feeds client-controlled keys (header and cookie
// values) to the ring: a pick must always land on a target and be stable.
func FuzzConsistentHashKey(f *testing.F) {
	for _, s := range []string{"", "user-1", "10.0.0.1", "\x00\xff", "ü🙂"} {
		f.Add(s)
	}
	r := newRing(mustTargets(1, 2, 3), 0)
	f.Fuzz(func(t *testing.T, key string) {
		h := HashKey(key)
		a := r.pick(h, filter{now: time.Now()})
		if a == nil {
			t.Fatalf("key %q: no target", key)
		}
		if b := r.pick(h, filter{now: time.Now()}); b != a {
			t.Fatalf("key %q: %s then %s", key, a.Raw, b.Raw)
		}
	})
}

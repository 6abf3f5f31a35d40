package upstream

import (
	"math"
	"strconv"
	"testing"
	"time"
)

// TestDistribution checks each weighted algorithm sends each target its
// weight's share of N picks, within the stated tolerance.
func TestDistribution(t *testing.T) {
	const n = 30000
	tests := []struct {
		algorithm string
		tolerance float64 // absolute, on the share
	}{
		{RoundRobin, 0.001},
		{Random, 0.02},
		{LeastRequests, 0.02},
	}
	for _, tt := range tests {
		t.Run(tt.algorithm, func(t *testing.T) {
			ts := mustTargets(1, 2, 3)
			b := newBalancer(tt.algorithm, ts, 0, seq(7))
			counts := map[*Target]int{}
			var held []*Target
			for i := range n {
				x := b.pick(0, filter{now: time.Now()})
				counts[x]++
				// least_requests balances in-flight load: hold a few
				// requests open so it has load to compare.
				x.Begin()
				held = append(held, x)
				if len(held) > 12 {
					held[i%len(held)].End()
					held[i%len(held)] = held[len(held)-1]
					held = held[:len(held)-1]
				}
			}
			for i, x := range ts {
				want := float64(x.Weight) / 6
				got := float64(counts[x]) / n
				if math.Abs(got-want) > tt.tolerance {
					t.Errorf("target %d share = %.3f; want %.3f ± %.3f", i, got, want, tt.tolerance)
				}
			}
		})
	}
}

func TestLeastRequestsPrefersIdle(t *testing.T) {
	ts := mustTargets(1, 1)
	for range 5 {
		ts[0].Begin()
	}
	b := newBalancer(LeastRequests, ts, 0, seq(1))
	for i := range 100 {
		if got := b.pick(0, filter{now: time.Now()}); got != ts[1] {
			t.Fatalf("pick %d went to the busy target", i)
		}
	}
}

func TestBalancersSkipUnusableAndTried(t *testing.T) {
	for _, alg := range Algorithms {
		t.Run(alg, func(t *testing.T) {
			ts := mustTargets(1, 1, 1)
			ts[0].setDown(true)
			b := newBalancer(alg, ts, 0, seq(3))
			var tried Tried
			tried.Add(ts[1])
			for i := range 50 {
				if got := b.pick(HashKey(strconv.Itoa(i)), filter{now: time.Now(), tried: tried}); got != ts[2] {
					t.Fatalf("pick = %v; want the only usable untried target %s", got, ts[2].Raw)
				}
			}
			ts[2].setDown(true)
			if got := b.pick(1, filter{now: time.Now(), tried: tried}); got != nil {
				t.Fatalf("pick = %s with nothing usable; want nil", got.Raw)
			}
		})
	}
}

func TestConsistentHashStable(t *testing.T) {
	ts := mustTargets(1, 1, 1)
	r := newRing(ts, 0)
	const keys = 3000
	before := make([]*Target, keys)
	counts := map[*Target]int{}
	for i := range before {
		before[i] = r.pick(HashKey("user-"+strconv.Itoa(i)), filter{now: time.Now()})
		counts[before[i]]++
	}
	t.Run("same key same target", func(t *testing.T) {
		for i := range before {
			if got := r.pick(HashKey("user-"+strconv.Itoa(i)), filter{now: time.Now()}); got != before[i] {
				t.Fatalf("key %d moved from %s to %s without a change", i, before[i].Raw, got.Raw)
			}
		}
	})
	t.Run("spread", func(t *testing.T) {
		for _, x := range ts {
			if share := float64(counts[x]) / keys; share < 0.25 || share > 0.42 {
				t.Errorf("%s has %.2f of keys; want 1/3 ± 0.09", x.Raw, share)
			}
		}
	})
	t.Run("adding a target moves few keys", func(t *testing.T) {
		extra, _ := ParseTarget("http://10.0.0.9:80", 1)
		r2 := newRing(append(append([]*Target(nil), ts...), extra), 0)
		moved, toOld := 0, 0
		for i := range before {
			got := r2.pick(HashKey("user-"+strconv.Itoa(i)), filter{now: time.Now()})
			if got != before[i] {
				moved++
				if got != extra {
					toOld++
				}
			}
		}
		// Ideal is 1/4 of the keys, all to the new target.
		if share := float64(moved) / keys; share > 0.33 {
			t.Errorf("%.2f of keys moved; want about 0.25, at most 0.33", share)
		}
		if toOld != 0 {
			t.Errorf("%d keys moved between old targets; want 0", toOld)
		}
	})
}

func TestConsistentHashBoundedLoad(t *testing.T) {
	ts := mustTargets(1, 1, 1)
	r := newRing(ts, 125)
	key := HashKey("hot")
	home := r.pick(key, filter{now: time.Now()})
	// Load the home target far beyond its share: the hot key spills over.
	for range 10 {
		home.Begin()
	}
	got := r.pick(key, filter{now: time.Now()})
	if got == home {
		t.Fatalf("hot key stayed on %s with 10 in flight and 0 elsewhere", home.Raw)
	}
	for range 10 {
		home.End()
	}
	if got := r.pick(key, filter{now: time.Now()}); got != home {
		t.Fatalf("key did not return home once the load fell")
	}
}

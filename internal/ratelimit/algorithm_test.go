package ratelimit

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable time source.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func take(t *testing.T, s Store, alg Algorithm, key string, l Limit) Decision {
	t.Helper()
	out := make([]Decision, 1)
	if err := s.Take(context.Background(), alg, []Check{{Key: key, Limit: l}}, out); err != nil {
		t.Fatal(err)
	}
	return out[0]
}

func TestTokenBucket(t *testing.T) {
	clk := newFakeClock()
	s := NewLocal(0, clk.Now)
	l := Limit{Requests: 10, Per: time.Second}
	for i := range 10 {
		d := take(t, s, TokenBucket, "k", l)
		if !d.Allowed || d.Remaining != int64(9-i) {
			t.Fatalf("request %d: %+v; want allowed with %d remaining", i, d, 9-i)
		}
	}
	d := take(t, s, TokenBucket, "k", l)
	if d.Allowed || d.RetryAfter != 100*time.Millisecond {
		t.Fatalf("11th: %+v; want refused, retry after 100ms", d)
	}
	clk.Advance(99 * time.Millisecond)
	if take(t, s, TokenBucket, "k", l).Allowed {
		t.Fatal("allowed 1ms before a token is back")
	}
	clk.Advance(time.Millisecond)
	if !take(t, s, TokenBucket, "k", l).Allowed {
		t.Fatal("refused when a token is back")
	}
	// Another key has its own bucket.
	if d := take(t, s, TokenBucket, "other", l); !d.Allowed || d.Remaining != 9 {
		t.Fatalf("other key: %+v", d)
	}
	// After a full period idle, the bucket is full again.
	clk.Advance(time.Second)
	if d := take(t, s, TokenBucket, "k", l); d.Remaining != 9 {
		t.Fatalf("after idle: remaining %d; want 9", d.Remaining)
	}
}

func TestTokenBucketBurst(t *testing.T) {
	clk := newFakeClock()
	s := NewLocal(0, clk.Now)
	l := Limit{Requests: 1, Per: time.Second, Burst: 3}
	for i := range 3 {
		if !take(t, s, TokenBucket, "k", l).Allowed {
			t.Fatalf("burst request %d refused", i)
		}
	}
	if take(t, s, TokenBucket, "k", l).Allowed {
		t.Fatal("4th allowed beyond the burst of 3")
	}
	clk.Advance(time.Second)
	if !take(t, s, TokenBucket, "k", l).Allowed {
		t.Fatal("refused after one interval")
	}
}

// TestSlidingWindowEdges: no double burst across a window boundary.
func TestSlidingWindowEdges(t *testing.T) {
	clk := newFakeClock()
	s := NewLocal(0, clk.Now)
	l := Limit{Requests: 10, Per: time.Minute}
	clk.Advance(50 * time.Second) // late in the first window
	for i := range 10 {
		if !take(t, s, SlidingWindow, "k", l).Allowed {
			t.Fatalf("request %d refused in an empty window", i)
		}
	}
	if take(t, s, SlidingWindow, "k", l).Allowed {
		t.Fatal("11th allowed in one window")
	}
	// Just past the boundary a fixed window would allow 10 more; the
	// sliding window still counts the previous window at 59/60 weight.
	clk.Advance(11 * time.Second) // 1s into the next window
	allowed := 0
	for range 10 {
		if take(t, s, SlidingWindow, "k", l).Allowed {
			allowed++
		}
	}
	if allowed > 1 {
		t.Fatalf("%d allowed just after the boundary; want at most 1", allowed)
	}
	// Half way through the window, about half the quota is back.
	clk.Advance(29 * time.Second)
	allowed = 0
	for range 10 {
		if take(t, s, SlidingWindow, "k", l).Allowed {
			allowed++
		}
	}
	if allowed < 3 || allowed > 5 {
		t.Fatalf("%d allowed half way through; want about 4", allowed)
	}
	// Two windows later, everything is back.
	clk.Advance(2 * time.Minute)
	if d := take(t, s, SlidingWindow, "k", l); !d.Allowed || d.Remaining != 9 {
		t.Fatalf("after two windows: %+v", d)
	}
}

func TestLeakyBucketDelays(t *testing.T) {
	clk := newFakeClock()
	s := NewLocal(0, clk.Now)
	l := Limit{Requests: 10, Per: time.Second, MaxDelay: 300 * time.Millisecond}
	want := []time.Duration{0, 100, 200, 300}
	for i, w := range want {
		d := take(t, s, LeakyBucket, "k", l)
		if !d.Allowed || d.Delay != w*time.Millisecond {
			t.Fatalf("request %d: %+v; want allowed with delay %v", i, d, w*time.Millisecond)
		}
	}
	d := take(t, s, LeakyBucket, "k", l)
	if d.Allowed || d.RetryAfter != 100*time.Millisecond {
		t.Fatalf("5th: %+v; want refused (queue full), retry after 100ms", d)
	}
	clk.Advance(400 * time.Millisecond)
	if d := take(t, s, LeakyBucket, "k", l); !d.Allowed || d.Delay != 0 {
		t.Fatalf("after the queue drained: %+v", d)
	}
}

// TestMultipleLimitsAllOrNothing: a request refused by one limit does not
// count against the others.
func TestMultipleLimitsAllOrNothing(t *testing.T) {
	clk := newFakeClock()
	s := NewLocal(0, clk.Now)
	checks := []Check{
		{Key: "sec", Limit: Limit{Requests: 2, Per: time.Second}},
		{Key: "min", Limit: Limit{Requests: 5, Per: time.Minute}},
	}
	out := make([]Decision, 2)
	passed := 0
	for range 10 {
		s.Take(context.Background(), TokenBucket, checks, out)
		if out[0].Allowed && out[1].Allowed {
			passed++
		}
	}
	if passed != 2 {
		t.Fatalf("%d passed in one second; want 2", passed)
	}
	if out[1].Remaining != 2 { // 5 - 2 taken - this refused one not counted
		t.Fatalf("minute limit remaining %d after refusals; want 2 (refused requests do not count)", out[1].Remaining)
	}
	for range 3 {
		clk.Advance(time.Second)
		s.Take(context.Background(), TokenBucket, checks, out)
	}
	clk.Advance(time.Second)
	s.Take(context.Background(), TokenBucket, checks, out)
	if out[0].Allowed && out[1].Allowed {
		t.Fatalf("6th request in a minute allowed: %+v", out)
	}
}

func TestLocalBoundedAndExpiring(t *testing.T) {
	clk := newFakeClock()
	s := NewLocal(shards*10, clk.Now)
	l := Limit{Requests: 1, Per: time.Second}
	for i := range 5000 {
		take(t, s, TokenBucket, fmt.Sprint("k", i), l)
	}
	if n := s.Len(); n > shards*10 {
		t.Fatalf("%d keys held; cap is %d", n, shards*10)
	}
	clk.Advance(2 * time.Second)
	// Expired state counts as empty, and sweeping makes room: a shard
	// that receives a new key drops every expired one.
	for i := range 5000 {
		if !take(t, s, TokenBucket, fmt.Sprint("new", i), l).Allowed {
			t.Fatalf("new key %d refused", i)
		}
	}
	if n := s.Len(); n > shards*10 {
		t.Fatalf("%d keys held; cap is %d", n, shards*10)
	}
	clk.Advance(2 * time.Second)
	for i := range shards {
		s.shards[i].sweepAt = 0
	}
	for i := range 20 * shards { // reaches every shard with near certainty
		take(t, s, TokenBucket, fmt.Sprint("newer", i), l)
	}
	for i := range shards {
		s.shards[i].mu.Lock()
		for k, e := range s.shards[i].entries {
			if e.exp < clk.Now().UnixNano() && s.shards[i].sweepAt != 0 {
				t.Errorf("expired key %s kept after a sweep", k)
			}
		}
		s.shards[i].mu.Unlock()
	}
}

func TestLocalConcurrentExact(t *testing.T) {
	s := NewLocal(0, nil)
	l := Limit{Requests: 100, Per: time.Hour}
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := make([]Decision, 1)
			for range 50 {
				s.Take(context.Background(), TokenBucket, []Check{{Key: "k", Limit: l}}, out)
				if out[0].Allowed {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if allowed != 100 {
		t.Fatalf("%d of 400 concurrent requests allowed; want exactly 100", allowed)
	}
}

func TestLocalMemoryBudget(t *testing.T) {
	clk := newFakeClock()
	const budget = 1 << 20
	s := NewLocalSized(0, budget, clk.Now)
	l := Limit{Requests: 1, Per: time.Hour} // nothing expires
	long := strings.Repeat("x", 2000)
	for i := range 5000 {
		take(t, s, TokenBucket, fmt.Sprint(long, i), l)
	}
	if b := s.Bytes(); b > budget {
		t.Fatalf("%d bytes held; budget is %d", b, budget)
	}
	if n := s.Len(); n == 0 || int64(n)*int64(len(long)) > budget {
		t.Fatalf("%d keys of %d bytes held; budget is %d", n, len(long), budget)
	}
	// The estimate follows the keys exactly as they come and go.
	var want int64
	for i := range s.shards {
		for k := range s.shards[i].entries {
			want += entryCost(k)
		}
	}
	if got := s.Bytes(); got != want {
		t.Fatalf("Bytes() = %d; the keys held cost %d", got, want)
	}
}

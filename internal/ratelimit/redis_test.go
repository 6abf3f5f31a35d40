package ratelimit

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testutil/redisserver"
)

func TestRedisAlgorithms(t *testing.T) {
	srv := redisserver.Start(t)
	r := NewRedis(RedisOptions{Addrs: []string{srv.Addr()}, Timeout: time.Second}, "test:")
	defer r.Close()
	out := make([]Decision, 1)
	cases := []struct {
		alg     Algorithm
		limit   Limit
		allowed int
	}{
		{TokenBucket, Limit{Requests: 10, Per: time.Hour}, 10},
		{SlidingWindow, Limit{Requests: 7, Per: time.Hour}, 7},
		{LeakyBucket, Limit{Requests: 10, Per: time.Hour, MaxDelay: 0}, 1},
	}
	for _, c := range cases {
		t.Run(c.alg.String(), func(t *testing.T) {
			n := 0
			var last Decision
			for range 20 {
				if err := r.Take(context.Background(), c.alg, []Check{{Key: c.alg.String(), Limit: c.limit}}, out); err != nil {
					t.Fatal(err)
				}
				if out[0].Allowed {
					n++
					last = out[0]
				} else if out[0].RetryAfter <= 0 {
					t.Fatalf("refused without Retry-After: %+v", out[0])
				}
			}
			if n != c.allowed {
				t.Fatalf("%d allowed; want %d", n, c.allowed)
			}
			if last.Remaining != 0 {
				t.Fatalf("last allowed remaining %d; want 0", last.Remaining)
			}
		})
	}
}

// TestRedisConcurrentExact: many clients of one Redis, exactly the limit.
func TestRedisConcurrentExact(t *testing.T) {
	srv := redisserver.Start(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for range 3 { // three "instances", each its own client
		r := NewRedis(RedisOptions{Addrs: []string{srv.Addr()}, Timeout: time.Second}, "exact:")
		defer r.Close()
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out := make([]Decision, 1)
				for range 25 {
					if err := r.Take(context.Background(), TokenBucket, []Check{{Key: "k", Limit: Limit{Requests: 50, Per: time.Hour}}}, out); err != nil {
						t.Error(err)
						return
					}
					if out[0].Allowed {
						mu.Lock()
						allowed++
						mu.Unlock()
					}
				}
			}()
		}
	}
	wg.Wait()
	if allowed != 50 {
		t.Fatalf("%d of 300 allowed; want exactly 50", allowed)
	}
}

func TestSharedFailover(t *testing.T) {
	srv := redisserver.Start(t)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	lim := []Check{{Key: "k", Limit: Limit{Requests: 3, Per: time.Hour}}}
	for _, mode := range []OnFailure{FailLocal, FailAllow, FailDeny} {
		r := NewRedis(RedisOptions{Addrs: []string{srv.Addr()}, Timeout: 100 * time.Millisecond}, "fo:")
		s := NewShared(r, NewLocal(0, nil), mode, "test", logger)
		s.interval = 20 * time.Millisecond
		srv.Stop()
		out := make([]Decision, 1)
		allowed, denied := 0, 0
		for range 5 {
			err := s.Take(context.Background(), TokenBucket, lim, out)
			switch {
			case err == ErrStoreDown:
				denied++
			case err != nil:
				t.Fatalf("mode %d: %v", mode, err)
			case out[0].Allowed:
				allowed++
			}
		}
		want := map[OnFailure][2]int{FailLocal: {3, 0}, FailAllow: {5, 0}, FailDeny: {0, 5}}[mode]
		if allowed != want[0] || denied != want[1] {
			t.Fatalf("mode %d with Redis down: %d allowed, %d denied; want %v", mode, allowed, denied, want)
		}
		if !s.Down() {
			t.Fatalf("mode %d: store not marked down", mode)
		}
		srv.Restart()
		deadline := time.Now().Add(10 * time.Second)
		for s.Down() {
			if time.Now().After(deadline) {
				t.Fatalf("mode %d: no recovery after Redis came back", mode)
			}
			time.Sleep(10 * time.Millisecond)
		}
		if err := s.Take(context.Background(), TokenBucket, []Check{{Key: "fresh", Limit: lim[0].Limit}}, out); err != nil || !out[0].Allowed || out[0].Remaining != 2 {
			t.Fatalf("mode %d after recovery: %v %+v", mode, err, out[0])
		}
		s.Close()
	}
}

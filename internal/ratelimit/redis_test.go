package ratelimit

import (
	"context"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
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

// hungServer accepts connections and reads requests but never answers, as
// a Redis stalled by a long command or a network partition would. It
// counts the connections it accepts and how many are still open.
func hungServer(t *testing.T) (addr string, accepted, open *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted, open = new(atomic.Int64), new(atomic.Int64)
	var conns sync.WaitGroup
	t.Cleanup(func() { ln.Close(); conns.Wait() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			open.Add(1)
			conns.Add(1)
			go func() {
				defer conns.Done()
				defer open.Add(-1)
				defer c.Close()
				io.Copy(io.Discard, c)
			}()
		}
	}()
	return ln.Addr().String(), accepted, open
}

// TestSharedStalledRedis: a Redis that accepts but never answers costs a
// request at most the call timeout, and after a few such calls requests
// stop going to it at all until the probe sees it answer.
func TestSharedStalledRedis(t *testing.T) {
	addr, accepted, open := hungServer(t)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	r := NewRedis(RedisOptions{Addrs: []string{addr}, Timeout: 30 * time.Millisecond}, "hung:")
	s := NewShared(r, NewLocal(0, nil), FailLocal, "hung", logger)
	s.interval = time.Hour // keep the probe from talking to the server
	defer s.Close()
	checks := []Check{{Key: "k", Limit: Limit{Requests: 5, Per: time.Hour}}}
	out := make([]Decision, 1)

	if err := r.Take(context.Background(), TokenBucket, checks, out); err == nil {
		t.Fatal("direct call to a stalled Redis succeeded; want a timeout error")
	}
	allowed := 0
	for i := range 8 {
		if err := s.Take(context.Background(), TokenBucket, checks, out); err != nil {
			t.Fatalf("call %d: %v; want the local fallback's answer", i, err)
		}
		if out[0].Allowed {
			allowed++
		}
	}
	if !s.Down() {
		t.Fatal("store not marked down after repeated timeouts")
	}
	if allowed != 5 {
		t.Fatalf("%d of 8 allowed by the fallback; want 5", allowed)
	}
	// A timed-out connection is dropped by the client, never reused.
	for deadline := time.Now().Add(5 * time.Second); open.Load() > 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d timed-out connections still open; want them closed", open.Load())
		}
	}
	before := accepted.Load()
	for range 20 {
		s.Take(context.Background(), TokenBucket, checks, out)
	}
	if got := accepted.Load(); got != before {
		t.Fatalf("%d new connections to Redis while marked down; want none (no request waits on it)", got-before)
	}
}

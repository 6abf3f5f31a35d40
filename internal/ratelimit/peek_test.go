package ratelimit

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testutil/redisserver"
)

// peekThenTake checks a store's Peek: it answers as Take would, for one
// and several limits, and never counts.
func peekThenTake(t *testing.T, s Store) {
	t.Helper()
	ctx := context.Background()
	for _, alg := range []Algorithm{TokenBucket, SlidingWindow} {
		t.Run(alg.String(), func(t *testing.T) {
			checks := []Check{
				{Key: alg.String() + "-a", Limit: Limit{Requests: 3, Per: time.Hour}},
				{Key: alg.String() + "-b", Limit: Limit{Requests: 5, Per: time.Hour}},
			}
			out := make([]Decision, 2)
			for n := range 3 {
				for range 10 {
					if err := s.Peek(ctx, alg, checks, out); err != nil {
						t.Fatal(err)
					}
					if !out[0].Allowed || !out[1].Allowed || out[0].Remaining != int64(2-n) {
						t.Fatalf("peek after %d takes: %+v; want allowed, %d remaining", n, out, 2-n)
					}
				}
				if err := s.Take(ctx, alg, checks, out); err != nil || !out[0].Allowed {
					t.Fatalf("take %d: %+v, %v; want allowed", n, out, err)
				}
			}
			if err := s.Peek(ctx, alg, checks[:1], out[:1]); err != nil || out[0].Allowed || out[0].RetryAfter <= 0 {
				t.Fatalf("peek past the limit: %+v, %v; want refused with Retry-After", out[0], err)
			}
			if err := s.Peek(ctx, alg, checks, out); err != nil || out[0].Allowed || out[1].Allowed {
				t.Fatalf("peek of both past one limit: %+v, %v; want both refused", out, err)
			}
		})
	}
}

func TestLocalPeekDoesNotCount(t *testing.T) { peekThenTake(t, NewLocal(0, nil)) }

func TestRedisPeekDoesNotCount(t *testing.T) {
	srv := redisserver.Start(t)
	r := NewRedis(RedisOptions{Addrs: []string{srv.Addr()}, Timeout: time.Second}, "peek:")
	defer r.Close()
	peekThenTake(t, r)
}

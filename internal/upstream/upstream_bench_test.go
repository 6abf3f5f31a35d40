package upstream

import (
	"testing"
	"time"
)

func BenchmarkPick(b *testing.B) {
	for _, alg := range Algorithms {
		b.Run(alg, func(b *testing.B) {
			u, err := New(mustTargets(1, 2, 3, 1, 1), Settings{Service: "bench", Algorithm: alg})
			if err != nil {
				b.Fatal(err)
			}
			key := HashKey("10.1.2.3")
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					t := u.Pick(key, Tried{})
					t.Begin()
					t.End()
				}
			})
		})
	}
}

func BenchmarkBreakerClosed(b *testing.B) {
	br := NewBreaker(BreakerSettings{ConsecutiveFailures: 5, OpenFor: time.Second}, nil, nil)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			ok, probe, _ := br.Allow()
			if ok {
				br.Record(probe, true)
			}
		}
	})
}

func BenchmarkRetryBudget(b *testing.B) {
	bu := &Budget{Percent: 20, MinConcurrency: 3}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			bu.Start()
			if bu.TryRetry() {
				bu.RetryDone()
			}
			bu.Done()
		}
	})
}

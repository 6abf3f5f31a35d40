package ratelimit

import (
	"context"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testutil/redisserver"
)

// BenchmarkLocalTake: one check on the local store; keys spread over
// 10,000 clients, all goroutines at once.
func BenchmarkLocalTake(b *testing.B) {
	s := NewLocal(0, nil)
	keys := make([]string, 10000)
	for i := range keys {
		keys[i] = "ip=10:10.0." + strconv.Itoa(i/256) + "." + strconv.Itoa(i%256) + ";#0"
	}
	lim := Limit{Requests: 1 << 40, Per: time.Second}
	var n atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		checks := make([]Check, 1)
		out := make([]Decision, 1)
		for pb.Next() {
			checks[0] = Check{Key: keys[n.Add(1)%int64(len(keys))], Limit: lim}
			s.Take(context.Background(), TokenBucket, checks, out)
		}
	})
}

func BenchmarkRedisTake(b *testing.B) {
	srv := redisserver.Start(b)
	r := NewRedis(RedisOptions{Addrs: []string{srv.Addr()}, Timeout: time.Second}, "bench:")
	defer r.Close()
	lim := Limit{Requests: 1 << 40, Per: time.Second}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		checks := []Check{{Key: "k", Limit: lim}}
		out := make([]Decision, 1)
		for pb.Next() {
			if err := r.Take(context.Background(), TokenBucket, checks, out); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkLocalMemory1M reports the heap one million distinct keys take.
func BenchmarkLocalMemory1M(b *testing.B) {
	for range b.N {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		s := NewLocal(2_000_000, nil)
		checks := make([]Check, 1)
		out := make([]Decision, 1)
		lim := Limit{Requests: 1, Per: time.Hour} // every key stays live
		for i := range 1_000_000 {
			checks[0] = Check{Key: "ip=12:10." + strconv.Itoa(i>>16) + "." + strconv.Itoa((i>>8)&255) + "." + strconv.Itoa(i&255) + ";#0", Limit: lim}
			s.Take(context.Background(), TokenBucket, checks, out)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if s.Len() != 1_000_000 {
			b.Fatalf("%d keys held", s.Len())
		}
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MB/1Mkeys")
		runtime.KeepAlive(s)
	}
}

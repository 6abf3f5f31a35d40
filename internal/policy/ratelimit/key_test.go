package ratelimit

import (
	"bytes"
	"context"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/ratelimit"
)

func TestCompactKey(t *testing.T) {
	short := []byte("ip=9:10.0.0.1;")
	if got := compactKey(short); !bytes.Equal(got, short) {
		t.Errorf("short key changed to %q", got)
	}
	a := compactKey([]byte("header=8192:" + strings.Repeat("a", 8192) + ";"))
	b := compactKey([]byte("header=8192:" + strings.Repeat("a", 8191) + "b;"))
	if len(a) != len("sha256=")+32 || !bytes.HasPrefix(a, []byte("sha256=")) {
		t.Errorf("long key = %q; want sha256= and 32 hex digits", a)
	}
	if bytes.Equal(a, b) {
		t.Error("two long keys that differ in their last byte share a digest")
	}
	again := compactKey([]byte("header=8192:" + strings.Repeat("a", 8192) + ";"))
	if !bytes.Equal(a, again) {
		t.Error("the digest of one key differs between calls")
	}
}

// BenchmarkLocalMemoryLongKeys1M reports the heap one million distinct
// 8 KB header keys take in the local store once compacted (they would
// take over 8 GB as written).
func BenchmarkLocalMemoryLongKeys1M(b *testing.B) {
	value := []byte("header=8192:" + strings.Repeat("v", 8192) + ";")
	for range b.N {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		s := ratelimit.NewLocalSized(2_000_000, 1<<40, nil)
		checks := make([]ratelimit.Check, 1)
		out := make([]ratelimit.Decision, 1)
		lim := ratelimit.Limit{Requests: 1, Per: time.Hour} // every key stays live
		var key []byte
		for i := range 1_000_000 {
			copy(value[12:], strconv.Itoa(i)) // a distinct value each time
			key = append(compactKey(append(key[:0], value...)), "##0"...)
			checks[0] = ratelimit.Check{Key: string(key), Limit: lim}
			s.Take(context.Background(), ratelimit.TokenBucket, checks, out)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if s.Len() != 1_000_000 {
			b.Fatalf("%d keys held", s.Len())
		}
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MB/1Mkeys")
		b.ReportMetric(float64(s.Bytes())/(1<<20), "estMB/1Mkeys")
		runtime.KeepAlive(s)
	}
}

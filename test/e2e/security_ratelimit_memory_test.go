package e2e

import (
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
)

// TestRateLimitMemoryBoundedInBytes: a header key with thousands of
// distinct 8 KB values holds a digest per key, not the value, so the
// store grows by about 160 bytes per key rather than 8 KB; the same long
// value still counts against one bucket, and a value that differs in its
// last byte against another.
func TestRateLimitMemoryBoundedInBytes(t *testing.T) {
	g := startGateway(t, limitedConfig(`        key: ["header:X-Token"]
        limits: [{requests: 1, per: 1h}]
        max_memory_mb: 64
`), map[string]string{"UP": echoServer(t, "up").URL})

	long := strings.Repeat("t", 8192)
	if resp, _ := g.do("GET", "/", nil, "X-Token", long+"a"); resp.StatusCode != 200 {
		t.Fatalf("first request: %d", resp.StatusCode)
	}
	if resp, _ := g.do("GET", "/", nil, "X-Token", long+"a"); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("same 8 KB value again: %d; want 429", resp.StatusCode)
	}
	if resp, _ := g.do("GET", "/", nil, "X-Token", long+"b"); resp.StatusCode != 200 {
		t.Fatalf("a value differing in its last byte: %d; want its own bucket", resp.StatusCode)
	}

	// The gateway runs in this process, so its store is in this heap.
	const n = 3000
	before := heapAfterGC()
	for i := range n {
		if resp, _ := g.do("GET", "/", nil, "X-Token", fmt.Sprintf("%s%d", long, i)); resp.StatusCode != 200 {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
	}
	grown := heapAfterGC() - before
	// Held as written the keys would be n*8 KB = 24 MB; as digests they
	// are under 1 MB. The bound leaves room for everything else the test
	// allocates and keeps (access log lines, connections).
	if grown > 8<<20 {
		t.Fatalf("heap grew by %d MB for %d distinct 8 KB keys; want the keys held as digests", grown>>20, n)
	}
	t.Logf("heap grew by %d KB for %d keys", grown>>10, n)
}

func heapAfterGC() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

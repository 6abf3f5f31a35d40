package e2e

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testutil/redisserver"
)

func limitedConfig(policy string) string {
	return `
services:
  - name: s
    targets: [{url: "${UP}"}]
routes:
  - name: r
    match: {path_prefix: /}
    service: s
    policies:
      rate_limit:
` + policy
}

var rateLimitR = regexp.MustCompile(`^"[^"]+";r=(\d+);t=(\d+)$`)

// burst sends n requests at once and returns their statuses and the
// RateLimit remaining values of the passed ones.
func burst(t *testing.T, url string, n int, hdr ...string) (ok, limited int, remaining []int, sample http.Header) {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("GET", url, nil)
			for i := 0; i+1 < len(hdr); i += 2 {
				req.Header.Set(hdr[i], hdr[i+1])
			}
			<-start
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			mu.Lock()
			defer mu.Unlock()
			switch resp.StatusCode {
			case 200:
				ok++
				if m := rateLimitR.FindStringSubmatch(resp.Header.Get("RateLimit")); m != nil {
					r, _ := strconv.Atoi(m[1])
					remaining = append(remaining, r)
				}
			case 429:
				limited++
				sample = resp.Header
				if !strings.Contains(string(body), `"status":429`) {
					t.Errorf("429 body = %s; want the JSON error", body)
				}
			default:
				t.Errorf("status %d: %s", resp.StatusCode, body)
			}
		}()
	}
	close(start)
	wg.Wait()
	return
}

func TestRateLimitExactUnderConcurrency(t *testing.T) {
	up := echoServer(t, "echo")
	for _, alg := range []string{"token_bucket", "sliding_window"} {
		t.Run(alg, func(t *testing.T) {
			g := startGateway(t, limitedConfig(`        algorithm: `+alg+`
        limits: [{requests: 10, per: 1h}]
        headers: {legacy: true}
`), map[string]string{"UP": up.URL})
			ok, limited, remaining, h429 := burst(t, g.url("/x"), 15)
			if ok != 10 || limited != 5 {
				t.Fatalf("%d passed, %d limited; want exactly 10 and 5", ok, limited)
			}
			sort.Ints(remaining)
			for i, r := range remaining {
				if r != i {
					t.Fatalf("RateLimit remaining values %v; want 0..9, each once", remaining)
				}
			}
			ra, _ := strconv.Atoi(h429.Get("Retry-After"))
			if ra < 1 {
				t.Errorf("429 Retry-After = %q; want >= 1", h429.Get("Retry-After"))
			}
			if got := h429.Get("RateLimit-Policy"); got != `"default";q=10;w=3600` {
				t.Errorf("RateLimit-Policy = %q; want %q", got, `"default";q=10;w=3600`)
			}
			if h429.Get("X-RateLimit-Limit") != "10" || h429.Get("X-RateLimit-Remaining") != "0" {
				t.Errorf("legacy headers: %v; want limit 10, remaining 0", h429)
			}
		})
	}
}

// TestRateLimitKeys: other keys are not affected; a spoofed
// X-Forwarded-For from an untrusted peer does not open new buckets; path
// variants that route the same do not either.
func TestRateLimitKeys(t *testing.T) {
	up := echoServer(t, "echo")
	vars := map[string]string{"UP": up.URL}

	g := startGateway(t, limitedConfig("        limits: [{requests: 3, per: 1h}]\n"), vars)
	passed := 0
	for i := range 8 {
		resp, _ := g.do("GET", "/x", nil, "X-Forwarded-For", fmt.Sprintf("10.0.0.%d", i))
		if resp.StatusCode == 200 {
			passed++
		}
	}
	if passed != 3 {
		t.Fatalf("rotating X-Forwarded-For: %d passed; want 3 (one bucket for the real peer)", passed)
	}

	g = startGateway(t, limitedConfig("        key: [header:X-Tenant]\n        limits: [{requests: 2, per: 1h}]\n"), vars)
	for range 3 {
		g.do("GET", "/x", nil, "X-Tenant", "a")
	}
	if resp, _ := g.do("GET", "/x", nil, "X-Tenant", "a"); resp.StatusCode != 429 {
		t.Fatalf("tenant a after its quota: %d; want 429", resp.StatusCode)
	}
	if resp, _ := g.do("GET", "/x", nil, "X-Tenant", "b"); resp.StatusCode != 200 {
		t.Fatalf("tenant b: %d; want 200 (own bucket)", resp.StatusCode)
	}

	g = startGateway(t, limitedConfig("        key: [ip, path]\n        limits: [{requests: 2, per: 1h}]\n"), vars)
	codes := []int{}
	for _, p := range []string{"/api/x", "/api//x", "/api/./x", "/api/y/../x"} {
		code, _ := g.raw("GET " + p + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
		codes = append(codes, code)
	}
	if fmt.Sprint(codes) != "[200 200 429 429]" {
		t.Fatalf("path variants: %v; want [200 200 429 429] (one bucket for one normalised path)", codes)
	}
}

func TestRateLimitTiers(t *testing.T) {
	up := echoServer(t, "echo")
	g := startGateway(t, `
services:
  - name: s
    targets: [{url: "${UP}"}]
routes:
  - name: r
    match: {path_prefix: /}
    service: s
    policies:
      key_auth: {}
      rate_limit:
        key: [consumer]
        limits: [{requests: 1, per: 1h}]
        tiers:
          - {group: paid, limits: [{requests: 4, per: 1h}]}
          - {group: enterprise, unlimited: true}
consumers:
  - {name: f, groups: [free], api_keys: [{key: key-free-1}]}
  - {name: p, groups: [paid], api_keys: [{key: key-paid-1}]}
  - {name: e, groups: [enterprise], api_keys: [{key: key-ent-1}]}
`, map[string]string{"UP": up.URL})
	for key, want := range map[string]int{"key-free-1": 1, "key-paid-1": 4, "key-ent-1": 20} {
		passed := 0
		for range 20 {
			if resp, _ := g.do("GET", "/x", nil, "X-API-Key", key); resp.StatusCode == 200 {
				passed++
			}
		}
		if passed != want {
			t.Errorf("%s: %d of 20 passed; want %d", key, passed, want)
		}
	}
}

func TestRateLimitReloadKeepsCounters(t *testing.T) {
	up := echoServer(t, "echo")
	cfg := limitedConfig("        limits: [{requests: 2, per: 1h}]\n")
	g := startGateway(t, cfg, map[string]string{"UP": up.URL})
	g.do("GET", "/x", nil)
	g.do("GET", "/x", nil)
	src := strings.ReplaceAll(cfg, "${UP}", up.URL)
	src = "listeners:\n  - name: public\n    addr: \"127.0.0.1:0\"\n" + src
	if err := g.g.ReloadBytes([]byte(src + "      request_headers: {set: {X-Reloaded: yes}}\n")); err != nil {
		t.Fatal(err)
	}
	if resp, _ := g.do("GET", "/x", nil); resp.StatusCode != 429 {
		t.Fatalf("after a reload with the same limits: %d; want 429 (counters kept)", resp.StatusCode)
	}
	if err := g.g.ReloadBytes([]byte(strings.Replace(src, "requests: 2", "requests: 3", 1))); err != nil {
		t.Fatal(err)
	}
	if resp, _ := g.do("GET", "/x", nil); resp.StatusCode != 200 {
		t.Fatalf("after the limit changed: %d; want 200 (new counters)", resp.StatusCode)
	}
}

func TestRateLimitLeakyBucketDelays(t *testing.T) {
	up := echoServer(t, "echo")
	g := startGateway(t, limitedConfig(`        algorithm: leaky_bucket
        limits: [{requests: 20, per: 1s}]
        max_delay: 120ms
`), map[string]string{"UP": up.URL})
	ok, limited, _, _ := burst(t, g.url("/x"), 8)
	// 50ms apart: delays 0, 50, 100 fit in 120ms; the rest are refused.
	if ok != 3 || limited != 5 {
		t.Fatalf("%d passed, %d refused; want 3 and 5", ok, limited)
	}
}

// startSharedGateway starts one gateway instance of a Redis-limited config.
func startSharedGateway(t *testing.T, up, redisAddr, onFailure, timeout string) *gw {
	t.Helper()
	return startGateway(t, `
services: [{name: s, targets: [{url: "${UP}"}]}]
routes:
  - name: r
    match: {path_prefix: /}
    service: s
    policies:
      rate_limit:
        key: [global]
        limits: [{requests: 20, per: 1h}]
        store: redis
        redis: {addrs: ["${REDIS}"], timeout: ${TIMEOUT}}
        on_store_failure: ${MODE}
`, map[string]string{"UP": up, "REDIS": redisAddr, "TIMEOUT": timeout, "MODE": onFailure})
}

func TestRateLimitSharedAcrossInstances(t *testing.T) {
	srv := redisserver.Start(t)
	up := echoServer(t, "echo")
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprint(n, " instances"), func(t *testing.T) {
			srv.Restart() // empty counters
			var gws []*gw
			for range n {
				gws = append(gws, startSharedGateway(t, up.URL, srv.Addr(), "local", "2s"))
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			passed := 0
			for i := range 60 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					resp, err := http.Get(gws[i%n].url("/x"))
					if err != nil {
						t.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode == 200 {
						mu.Lock()
						passed++
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			if passed != 20 {
				t.Fatalf("%d of 60 passed across %d instances; want exactly 20", passed, n)
			}
		})
	}
}

// TestRateLimitRedisDown kills Redis mid-test: each on_store_failure mode
// behaves as configured without long waits, and limiting through Redis
// resumes when it is back, without restarting the gateway.
func TestRateLimitRedisDown(t *testing.T) {
	srv := redisserver.Start(t)
	up := echoServer(t, "echo")
	for _, c := range []struct {
		mode string
		want func(ok, refused, unavailable int) bool
	}{
		{"local", func(ok, ref, un int) bool { return ok == 20 && ref == 10 && un == 0 }},
		{"allow", func(ok, ref, un int) bool { return ok == 30 && ref == 0 && un == 0 }},
		{"deny", func(ok, ref, un int) bool { return ok == 0 && ref == 0 && un == 30 }},
	} {
		t.Run(c.mode, func(t *testing.T) {
			srv.Restart()
			g := startSharedGateway(t, up.URL, srv.Addr(), c.mode, "100ms")
			if resp, _ := g.do("GET", "/x", nil); resp.StatusCode != 200 {
				t.Fatalf("with Redis up: %d", resp.StatusCode)
			}
			srv.Stop()
			ok, refused, unavailable := 0, 0, 0
			var slowest time.Duration
			for range 30 {
				start := time.Now()
				resp, _ := g.do("GET", "/x", nil)
				slowest = max(slowest, time.Since(start))
				switch resp.StatusCode {
				case 200:
					ok++
				case 429:
					refused++
				case 503:
					unavailable++
				}
			}
			if !c.want(ok, refused, unavailable) {
				t.Fatalf("Redis down: %d ok, %d 429, %d 503", ok, refused, unavailable)
			}
			t.Logf("slowest request with Redis down: %v", slowest)
			srv.Restart()
			deadline := time.Now().Add(10 * time.Second)
			for {
				resp, _ := g.do("GET", "/x", nil)
				// Redis counted it: the restarted server's counters are
				// fresh, while the local fallback's are spent (local) or
				// were never used (allow, deny).
				if resp.StatusCode == 200 && strings.Contains(resp.Header.Get("RateLimit"), "r=19;") {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no recovery: last %d %q", resp.StatusCode, resp.Header.Get("RateLimit"))
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

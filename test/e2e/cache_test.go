package e2e

import (
	"fmt"
	"github.com/gatehouse/gatehouse/internal/cache"
	"github.com/gatehouse/gatehouse/internal/testutil/redisserver"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingService answers by path and counts requests per path.
type countingService struct {
	*httptest.Server
	mu     sync.Mutex
	counts map[string]int
	seen   []http.Header
}

func (c *countingService) count(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[path]
}

func newCountingService(t *testing.T, h func(w http.ResponseWriter, r *http.Request, n int)) *countingService {
	c := &countingService{counts: map[string]int{}}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.counts[r.URL.Path]++
		n := c.counts[r.URL.Path]
		c.seen = append(c.seen, r.Header.Clone())
		c.mu.Unlock()
		h(w, r, n)
	}))
	t.Cleanup(c.Close)
	return c
}

const cacheConfig = `
services:
  - name: s
    targets: [{url: "${UP}"}]
routes:
  - name: cached
    match: {path_prefix: /}
    service: s
    policies:
      cache: {}
`

func TestCacheFreshHitsAndKeys(t *testing.T) {
	svc := newCountingService(t, func(w http.ResponseWriter, r *http.Request, n int) {
		h := w.Header()
		h.Set("Content-Type", "text/plain")
		switch r.URL.Path {
		case "/no-store":
			h.Set("Cache-Control", "no-store")
		case "/private":
			h.Set("Cache-Control", "private, max-age=60")
		case "/cookie":
			h.Set("Cache-Control", "max-age=60")
			h.Set("Set-Cookie", "sid=1")
		case "/none":
		case "/vary":
			h.Set("Cache-Control", "max-age=60")
			h.Set("Vary", "Accept-Language")
		default:
			h.Set("Cache-Control", "max-age=60")
		}
		fmt.Fprintf(w, "%s #%d lang=%s", r.URL.Path, n, r.Header.Get("Accept-Language"))
	})
	g := startGateway(t, cacheConfig, map[string]string{"UP": svc.URL})

	r1, b1 := g.do("GET", "/fresh?a=1&b=2", nil)
	r2, b2 := g.do("GET", "/fresh?b=2&a=1", nil)
	if b1 != b2 || svc.count("/fresh") != 1 {
		t.Fatalf("second request (query reordered) got %q after %q, service hit %d times; want one hit", b2, b1, svc.count("/fresh"))
	}
	if !strings.HasPrefix(r1.Header.Get("Cache-Status"), "gatehouse; fwd=uri-miss; stored") ||
		!strings.HasPrefix(r2.Header.Get("Cache-Status"), "gatehouse; hit; ttl=") || r2.Header.Get("Age") == "" {
		t.Fatalf("Cache-Status %q then %q, Age %q", r1.Header.Get("Cache-Status"), r2.Header.Get("Cache-Status"), r2.Header.Get("Age"))
	}
	if _, b := g.do("HEAD", "/fresh?a=1&b=2", nil); b != "" || svc.count("/fresh") != 1 {
		t.Fatalf("HEAD was not answered from the stored GET (service hit %d)", svc.count("/fresh"))
	}
	for _, p := range []string{"/no-store", "/private", "/cookie", "/none"} {
		g.do("GET", p, nil)
		resp, _ := g.do("GET", p, nil)
		if svc.count(p) != 2 {
			t.Errorf("%s was served from the cache (Cache-Status %q)", p, resp.Header.Get("Cache-Status"))
		}
	}
	_, en := g.do("GET", "/vary", nil, "Accept-Language", "en")
	_, fr := g.do("GET", "/vary", nil, "Accept-Language", "fr")
	_, en2 := g.do("GET", "/vary", nil, "Accept-Language", "en")
	if svc.count("/vary") != 2 || en != en2 || !strings.Contains(fr, "lang=fr") {
		t.Fatalf("Vary: en %q, fr %q, en again %q, service hit %d times; want 2 hits and en served from cache", en, fr, en2, svc.count("/vary"))
	}
	// A request with credentials bypasses the cache by default.
	resp, _ := g.do("GET", "/fresh?a=1&b=2", nil, "Authorization", "Bearer x")
	if svc.count("/fresh") != 2 || !strings.Contains(resp.Header.Get("Cache-Status"), "fwd=bypass") {
		t.Fatalf("authenticated request: service hit %d, Cache-Status %q; want a bypass", svc.count("/fresh"), resp.Header.Get("Cache-Status"))
	}
}

func TestCacheRevalidation(t *testing.T) {
	svc := newCountingService(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Cache-Control", "max-age=1")
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		io.WriteString(w, "body v1")
	})
	g := startGateway(t, cacheConfig, map[string]string{"UP": svc.URL})
	g.do("GET", "/doc", nil)
	// The client's own validators match the entry: 304 from the cache.
	if resp, _ := g.do("GET", "/doc", nil, "If-None-Match", `W/"v1"`); resp.StatusCode != http.StatusNotModified || svc.count("/doc") != 1 {
		t.Fatalf("conditional hit: %d, service hit %d times; want 304 from the cache", resp.StatusCode, svc.count("/doc"))
	}
	time.Sleep(1100 * time.Millisecond) // let the entry go stale
	resp, body := g.do("GET", "/doc", nil)
	if resp.StatusCode != 200 || body != "body v1" || svc.count("/doc") != 2 {
		t.Fatalf("stale entry: %d %q after %d service hits; want the stored body, revalidated", resp.StatusCode, body, svc.count("/doc"))
	}
	if got := svc.seen[1].Get("If-None-Match"); got != `"v1"` {
		t.Fatalf("revalidation sent If-None-Match %q; want the entry's ETag", got)
	}
	if !strings.Contains(resp.Header.Get("Cache-Status"), "fwd-status=304") {
		t.Fatalf("Cache-Status %q; want the 304 revalidation named", resp.Header.Get("Cache-Status"))
	}
	if _, b := g.do("GET", "/doc", nil); b != "body v1" || svc.count("/doc") != 2 {
		t.Fatalf("after the 304 the entry is fresh again; service hit %d times", svc.count("/doc"))
	}
}

func TestCacheStaleWhileRevalidateAndIfError(t *testing.T) {
	var failing atomic.Bool
	svc := newCountingService(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if failing.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Cache-Control", "max-age=1, stale-while-revalidate=60")
		if r.URL.Path == "/sie" {
			w.Header().Set("Cache-Control", "max-age=1, stale-if-error=60")
		}
		fmt.Fprintf(w, "%s #%d", r.URL.Path, n)
	})
	g := startGateway(t, cacheConfig, map[string]string{"UP": svc.URL})
	g.do("GET", "/swr", nil)
	g.do("GET", "/sie", nil)
	time.Sleep(1100 * time.Millisecond)

	resp, body := g.do("GET", "/swr", nil)
	if body != "/swr #1" || !strings.Contains(resp.Header.Get("Cache-Status"), "stale-while-revalidate") {
		t.Fatalf("stale-while-revalidate: %q, Cache-Status %q; want the stale entry at once", body, resp.Header.Get("Cache-Status"))
	}
	for deadline := time.Now().Add(5 * time.Second); svc.count("/swr") < 2; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no background revalidation reached the service")
		}
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, b := g.do("GET", "/swr", nil); b == "/swr #2" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the background revalidation's answer was not stored")
		}
	}

	failing.Store(true)
	resp, body = g.do("GET", "/sie", nil)
	if resp.StatusCode != 200 || body != "/sie #1" || !strings.Contains(resp.Header.Get("Cache-Status"), "stale-if-error") {
		t.Fatalf("stale-if-error with the service answering 503: %d %q (%q); want the stale entry", resp.StatusCode, body, resp.Header.Get("Cache-Status"))
	}
	svc.Close() // now no answer at all: the gateway's own 502 is replaced too
	resp, body = g.do("GET", "/sie", nil)
	if resp.StatusCode != 200 || body != "/sie #1" {
		t.Fatalf("stale-if-error with the service down: %d %q; want the stale entry", resp.StatusCode, body)
	}
}

func TestCacheCoalescesMisses(t *testing.T) {
	release := make(chan struct{})
	svc := newCountingService(t, func(w http.ResponseWriter, r *http.Request, n int) {
		select {
		case <-release:
		case <-time.After(5 * time.Second):
		}
		w.Header().Set("Cache-Control", "max-age=60")
		fmt.Fprintf(w, "answer #%d", n)
	})
	g := startGateway(t, cacheConfig, map[string]string{"UP": svc.URL})
	const n = 20
	var wg sync.WaitGroup
	bodies := make(chan string, n)
	for range n {
		wg.Go(func() {
			_, b := g.do("GET", "/slow", nil)
			bodies <- b
		})
	}
	for deadline := time.Now().Add(5 * time.Second); svc.count("/slow") == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no request reached the service")
		}
	}
	time.Sleep(50 * time.Millisecond) // let the others line up behind it
	close(release)
	wg.Wait()
	close(bodies)
	for b := range bodies {
		if b != "answer #1" {
			t.Fatalf("a coalesced request got %q; want the one answer", b)
		}
	}
	if c := svc.count("/slow"); c != 1 {
		t.Fatalf("%d concurrent misses made %d requests to the service; want 1", n, c)
	}
}

func TestCacheWithCompression(t *testing.T) {
	svc := newCountingService(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "max-age=60")
		io.WriteString(w, `{"data":"`+strings.Repeat("cached and compressed ", 200)+`"}`)
	})
	g := startGateway(t, `
services:
  - name: s
    targets: [{url: "${UP}"}]
routes:
  - name: r
    match: {path_prefix: /}
    service: s
    policies:
      cache: {}
      compress: {}
`, map[string]string{"UP": svc.URL})
	_, plain := rawGet(t, g, "GET", "/doc")
	for _, enc := range []string{"gzip", "br", "zstd", ""} {
		resp, b := rawGet(t, g, "GET", "/doc", "Accept-Encoding", enc)
		if got := resp.Header.Get("Content-Encoding"); got != enc {
			t.Fatalf("Accept-Encoding %q: Content-Encoding %q", enc, got)
		}
		if decode(t, enc, b) != string(plain) {
			t.Fatalf("%q: the decoded hit differs from the service's body", enc)
		}
	}
	if c := svc.count("/doc"); c != 1 {
		t.Fatalf("service hit %d times for four encodings; want 1 (stored once, encoded per client)", c)
	}
}

func TestCachePurgeThroughAdmin(t *testing.T) {
	svc := newCountingService(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Cache-Control", "max-age=60")
		if strings.HasPrefix(r.URL.Path, "/products") {
			w.Header().Set("Surrogate-Key", "products "+strings.TrimPrefix(r.URL.Path, "/products/"))
		}
		fmt.Fprintf(w, "%s #%d", r.URL.Path, n)
	})
	a := startAdminSource(t, fmt.Sprintf(`
listeners:
  - name: public
    addr: "127.0.0.1:0"
services:
  - name: s
    targets: [{url: "%s"}]
routes:
  - name: purge-test
    match: {path_prefix: /}
    service: s
    policies:
      cache: {}
admin:
  addr: "127.0.0.1:0"
  token: t0k3n
`, svc.URL))
	get := func(p string) string { _, b := a.gw.do("GET", p, nil); return b }
	for _, p := range []string{"/products/1", "/products/2", "/news/1"} {
		get(p)
		if get(p) != p+" #1" {
			t.Fatalf("%s not cached", p)
		}
	}
	if code, _, _ := a.call("DELETE", "/cache", ""); code != http.StatusBadRequest {
		t.Fatalf("a purge naming nothing: %d; want 400", code)
	}
	code, m, raw := a.call("DELETE", "/cache?tag=2", "")
	if code != 200 || m["purged"] != float64(1) || get("/products/2") != "/products/2 #2" || get("/products/1") != "/products/1 #1" {
		t.Fatalf("purge by tag: %d %s; want only /products/2 refetched", code, raw)
	}
	code, m, raw = a.call("DELETE", "/cache?prefix=/products", "")
	if code != 200 || m["purged"] != float64(2) || get("/products/1") != "/products/1 #2" || get("/news/1") != "/news/1 #1" {
		t.Fatalf("purge by prefix: %d %s; want both products refetched, news kept", code, raw)
	}
	code, m, raw = a.call("DELETE", "/cache?route=purge-test", "")
	if code != 200 || m["purged"].(float64) < 1 || get("/news/1") != "/news/1 #2" {
		t.Fatalf("purge by route: %d %s; want everything refetched", code, raw)
	}
}

// TestCacheExplained: explain shows the cache's key and decision.
func TestCacheExplained(t *testing.T) {
	svc := newCountingService(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Cache-Control", "max-age=60")
		io.WriteString(w, "x")
	})
	g := startGateway(t, cacheConfig, map[string]string{"UP": svc.URL})
	decision := func() map[string]any {
		req := httptest.NewRequest("GET", "/items?b=2&a=1", nil)
		req.Host = "shop.test"
		ex := g.g.Runtime().Explain("public", req)
		if ex.Chosen == nil {
			t.Fatalf("explain chose no route: %+v", ex)
		}
		for _, p := range ex.Chosen.Policies {
			if p.Name == "cache" {
				return p.Decision
			}
		}
		t.Fatal("no cache step in explain")
		return nil
	}
	if d := decision(); d["decision"] != "miss" || d["key"] != "GET|shop.test|/items?a=1&b=2" {
		t.Fatalf("before any request: %v; want a miss with the normalised key", d)
	}
	g.do("GET", "/items?a=1&b=2", nil, "Host", "shop.test")
	if d := decision(); d["decision"] != "hit" {
		t.Fatalf("after a stored answer: %v; want a hit", d)
	}
}

// TestCacheSharedThroughRedis: two gateway instances with store: redis
// share entries (one answer from the service for both), and a Redis that
// is gone turns hits into misses, never into errors.
func TestCacheSharedThroughRedis(t *testing.T) {
	rs := redisserver.Start(t)
	svc := newCountingService(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Cache-Control", "max-age=60")
		w.Header().Set("ETag", `"e1"`)
		fmt.Fprintf(w, "shared #%d", n)
	})
	cfg := `
services:
  - name: s
    targets: [{url: "${UP}"}]
routes:
  - name: shared-cache
    match: {path_prefix: /}
    service: s
    policies:
      cache:
        store: redis
        redis: {addrs: ["${REDIS}"], prefix: "test:cache:"}
`
	vars := map[string]string{"UP": svc.URL, "REDIS": rs.Addr()}
	a := startGateway(t, cfg, vars)
	b := startGateway(t, cfg, vars)
	if _, body := a.do("GET", "/item", nil); body != "shared #1" {
		t.Fatalf("first answer %q", body)
	}
	resp, body := b.do("GET", "/item", nil)
	if body != "shared #1" || svc.count("/item") != 1 || !strings.Contains(resp.Header.Get("Cache-Status"), "hit") {
		t.Fatalf("the other instance got %q (%q) after %d service hits; want the shared entry", body, resp.Header.Get("Cache-Status"), svc.count("/item"))
	}
	if resp.Header.Get("Etag") != `"e1"` {
		t.Fatalf("entry from Redis lost its headers: %v", resp.Header)
	}
	rs.Stop()
	if resp, body := b.do("GET", "/item", nil); resp.StatusCode != 200 || body != "shared #2" {
		t.Fatalf("with Redis down: %d %q; want the service's answer", resp.StatusCode, body)
	}
}

// TestCachePurgeDuringTraffic: purging while clients read the same key
// never fails a request, and the entry is fetched again afterwards.
func TestCachePurgeDuringTraffic(t *testing.T) {
	svc := newCountingService(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Cache-Control", "max-age=60")
		fmt.Fprintf(w, "v%d", n)
	})
	g := startGateway(t, strings.Replace(cacheConfig, "name: cached", "name: purge-traffic", 1), map[string]string{"UP": svc.URL})
	stop := time.Now().Add(time.Second)
	var wg sync.WaitGroup
	var failures atomic.Int64
	for range 4 {
		wg.Go(func() {
			for time.Now().Before(stop) {
				resp, body := g.do("GET", "/hot", nil)
				if resp.StatusCode != 200 || !strings.HasPrefix(body, "v") {
					failures.Add(1)
				}
			}
		})
	}
	purges := 0
	for time.Now().Before(stop) {
		cache.Stores.Purge(cache.PurgeSpec{Route: "purge-traffic"})
		purges++
		time.Sleep(20 * time.Millisecond)
	}
	wg.Wait()
	if failures.Load() > 0 {
		t.Fatalf("%d requests failed while purging", failures.Load())
	}
	if svc.count("/hot") < 2 {
		t.Fatalf("%d purges during traffic, but the service saw %d requests; want refetches", purges, svc.count("/hot"))
	}
}

// TestCacheHitKeepsWhatEarlierPoliciesSet: a hit adds the stored fields
// after those set by policies before the cache (cors), as a fresh answer
// does: Vary names both, and there is one Access-Control-Allow-Origin.
func TestCacheHitKeepsWhatEarlierPoliciesSet(t *testing.T) {
	svc := newCountingService(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Cache-Control", "max-age=60")
		w.Header().Set("Vary", "Accept-Language")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		io.WriteString(w, "x")
	})
	g := startGateway(t, `
services:
  - name: s
    targets: [{url: "${UP}"}]
routes:
  - name: cors-cache
    match: {path_prefix: /}
    service: s
    policies:
      cors: {origins: ["https://app.example"]}
      cache: {}
`, map[string]string{"UP": svc.URL})
	for i := range 2 {
		resp, _ := g.do("GET", "/doc", nil, "Origin", "https://app.example")
		vary := strings.Join(resp.Header.Values("Vary"), ",")
		if !strings.Contains(vary, "Origin") || !strings.Contains(vary, "Accept-Language") {
			t.Fatalf("request %d: Vary %q; want Origin and Accept-Language", i, vary)
		}
		if acao := resp.Header.Values("Access-Control-Allow-Origin"); len(acao) != 1 || acao[0] != "https://app.example" {
			t.Fatalf("request %d: Access-Control-Allow-Origin %q; want the one cors set", i, acao)
		}
	}
	if svc.count("/doc") != 1 {
		t.Fatalf("service hit %d times; want the second request from the cache", svc.count("/doc"))
	}
}

package upstream

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	// Rand returning n-1 shows the bound of each retry.
	b := Backoff{Base: 25 * time.Millisecond, Max: 150 * time.Millisecond, Rand: func(n int64) int64 { return n - 1 }}
	want := []time.Duration{25, 50, 100, 150, 150}
	for i, w := range want {
		if got := b.Delay(i+1) + 1; got != w*time.Millisecond {
			t.Errorf("retry %d bound = %v; want %v", i+1, got, w*time.Millisecond)
		}
	}
	b.Rand = func(int64) int64 { return 0 }
	if got := b.Delay(3); got != 0 {
		t.Errorf("full jitter low end = %v; want 0", got)
	}
	real := Backoff{Base: 10 * time.Millisecond, Max: 40 * time.Millisecond}
	for n := 1; n < 6; n++ {
		if d := real.Delay(n); d < 0 || d >= 40*time.Millisecond {
			t.Errorf("Delay(%d) = %v; want within [0, 40ms)", n, d)
		}
	}
}

func TestOutlierEjectionTimes(t *testing.T) {
	clk := newFakeClock()
	ts := mustTargets(1, 1, 1, 1)
	o := newOutlier(OutlierSettings{ConsecutiveFailures: 3, BaseEjection: 10 * time.Second, MaxEjection: 25 * time.Second, MaxEjectedPercent: 50}, clk)
	fail := func(x *Target, n int) (ejected bool) {
		for range n {
			if o.record(x, ts, false) {
				ejected = true
			}
		}
		return ejected
	}
	if fail(ts[0], 2) {
		t.Fatal("ejected after 2 failures; threshold is 3")
	}
	o.record(ts[0], ts, true)
	if fail(ts[0], 2) {
		t.Fatal("a success did not reset the streak")
	}
	if !fail(ts[0], 1) || ts[0].Usable(clk.Now()) {
		t.Fatal("not ejected after 3 failures in a row")
	}
	steps := []struct {
		name    string
		advance time.Duration
		usable  bool
	}{
		{"still out at 9s", 9 * time.Second, false},
		{"back at 10s", time.Second, true},
	}
	for _, s := range steps {
		clk.Advance(s.advance)
		if got := ts[0].Usable(clk.Now()); got != s.usable {
			t.Fatalf("%s: usable = %v; want %v", s.name, got, s.usable)
		}
	}
	// Second ejection in a row lasts twice as long, the third is capped.
	for i, want := range []time.Duration{20 * time.Second, 25 * time.Second} {
		fail(ts[0], 3)
		clk.Advance(want - time.Second)
		if ts[0].Usable(clk.Now()) {
			t.Fatalf("ejection %d ended before %v", i+2, want)
		}
		clk.Advance(time.Second)
		if !ts[0].Usable(clk.Now()) {
			t.Fatalf("ejection %d lasted past %v", i+2, want)
		}
	}
	t.Run("max ejected percent", func(t *testing.T) {
		fail(ts[0], 3)
		fail(ts[1], 3)
		if fail(ts[2], 3) {
			t.Fatal("third of four targets ejected; cap is 50%")
		}
		if !ts[2].Usable(clk.Now()) {
			t.Fatal("target over the cap is out of rotation")
		}
	})
}

func TestBudget(t *testing.T) {
	b := &Budget{Percent: 20, MinConcurrency: 2}
	for range 10 {
		b.Start()
	}
	if !b.TryRetry() || !b.TryRetry() {
		t.Fatal("min concurrency of 2 not granted")
	}
	if b.TryRetry() {
		t.Fatal("third retry granted with 10 requests at 20% (2) in flight")
	}
	for range 10 {
		b.Start()
	}
	if !b.TryRetry() || !b.TryRetry() || b.TryRetry() {
		t.Fatal("with 20 in flight, 20% should allow exactly 4 retries")
	}
	b.RetryDone()
	if !b.TryRetry() {
		t.Fatal("a returned retry was not available again")
	}
}

func TestBulkhead(t *testing.T) {
	b := NewBulkhead(2)
	if !b.Acquire() || !b.Acquire() || b.Acquire() {
		t.Fatal("want exactly 2 slots")
	}
	b.Release()
	if !b.Acquire() {
		t.Fatal("released slot not reusable")
	}
	var none *Bulkhead
	if !none.Acquire() || NewBulkhead(0) != nil {
		t.Fatal("no limit must always admit")
	}
}

func TestHealthThresholds(t *testing.T) {
	s := HealthSettings{HealthyThreshold: 2, UnhealthyThreshold: 3}
	x := mustTargets(1)[0]
	var st healthStreak
	results := []struct {
		ok       bool
		wantDown bool
	}{
		{false, false}, {false, false}, {true, false}, // streak broken
		{false, false}, {false, false}, {false, true}, // 3 in a row: out
		{true, true}, {false, true}, {true, true}, {true, false}, // 2 in a row: back
	}
	for i, r := range results {
		s.observe(x, &st, r.ok)
		if x.Down() != r.wantDown {
			t.Fatalf("after result %d (%v): down = %v; want %v", i, r.ok, x.Down(), r.wantDown)
		}
	}
	if !s.expected(204) || s.expected(302) {
		t.Error("default expected statuses must be 2xx")
	}
	s.ExpectedStatuses = []int{302}
	if !s.expected(302) || s.expected(200) {
		t.Error("explicit expected statuses not honoured")
	}
}

type fakeResolver struct{ answers map[string][]netip.Addr }

func (f *fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	a, ok := f.answers[host]
	if !ok {
		return nil, errors.New("no such host")
	}
	return a, nil
}

func TestDNSTargets(t *testing.T) {
	named, _ := ParseTarget("http://svc.internal:8080/v1", 2)
	static, _ := ParseTarget("http://10.9.9.9:80", 1)
	secure, _ := ParseTarget("https://secure.internal", 1)
	r := &fakeResolver{answers: map[string][]netip.Addr{
		"svc.internal": {netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("fd00::2")},
	}}
	d := newDNSTargets([]*Target{named, static, secure}, r, time.Second)
	got := d.resolve(context.Background())
	raws := func(ts []*Target) []string {
		out := make([]string, len(ts))
		for i, x := range ts {
			out[i] = x.Raw
		}
		return out
	}
	want := []string{"http://10.0.0.1:8080/v1", "http://[fd00::2]:8080/v1", "http://10.9.9.9:80", "https://secure.internal"}
	if g := raws(got); len(g) != len(want) || g[0] != want[0] || g[1] != want[1] || g[2] != want[2] || g[3] != want[3] {
		t.Fatalf("targets = %v; want %v", g, want)
	}
	if got[0].HostHeader != "svc.internal:8080" || got[0].Weight != 2 || got[0].BasePath != "/v1" {
		t.Fatalf("resolved target = %+v; want the name as Host header, weight 2, base /v1", got[0])
	}
	first := got[0]
	first.Begin()

	r.answers["svc.internal"] = []netip.Addr{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.3")}
	got = d.resolve(context.Background())
	if got[0] != first || got[0].InFlight() != 1 {
		t.Fatal("an address that stayed lost its Target (and its state)")
	}
	if got[1].Raw != "http://10.0.0.3:8080/v1" {
		t.Fatalf("new address = %s; want http://10.0.0.3:8080/v1", got[1].Raw)
	}

	delete(r.answers, "svc.internal")
	again := d.resolve(context.Background())
	if len(again) != 4 || again[0] != first {
		t.Fatalf("a failed lookup changed the targets to %v; want the previous ones kept", raws(again))
	}
}

func TestUpstreamPickAndReport(t *testing.T) {
	clk := newFakeClock()
	u, err := New(mustTargets(1, 1, 1), Settings{
		Service: "pick-test", Algorithm: RoundRobin, Clock: clk,
		Outlier: &OutlierSettings{ConsecutiveFailures: 1, BaseEjection: time.Minute, MaxEjection: time.Minute, MaxEjectedPercent: 100},
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := u.Targets()
	var tried Tried
	first := u.Pick(0, tried)
	tried.Add(first)
	second := u.Pick(0, tried)
	if second == first {
		t.Fatal("retry went to the target already tried while others were free")
	}
	for _, x := range ts {
		u.Report(x, false)
	}
	if got := u.Pick(0, Tried{}); got != nil {
		t.Fatalf("pick = %s with every target ejected; want nil", got.Raw)
	}
	if ra := u.RetryAfter(); ra != 60 {
		t.Fatalf("RetryAfter = %d; want 60 (the ejection left)", ra)
	}
	clk.Advance(time.Minute)
	if got := u.Pick(0, Tried{}); got == nil {
		t.Fatal("no target back after the ejection time")
	}
}

func TestDNSRefreshUpdatesPool(t *testing.T) {
	named, _ := ParseTarget("http://svc.internal:80", 1)
	r := &lockedResolver{answers: map[string][]netip.Addr{"svc.internal": {netip.MustParseAddr("10.0.0.1")}}}
	u, err := New([]*Target{named}, Settings{Service: "dns-refresh", DNSRefresh: 5 * time.Millisecond, Resolver: r})
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Targets(); len(got) != 1 || got[0].Host != "10.0.0.1:80" {
		t.Fatalf("initial targets = %v; want 10.0.0.1:80", got)
	}
	u.Acquire()
	defer u.Release()
	r.set("svc.internal", netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2"))
	deadline := time.Now().Add(5 * time.Second)
	for len(u.Targets()) != 2 {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting for the refresh to add 10.0.0.2")
		}
		time.Sleep(5 * time.Millisecond)
	}
	seen := map[string]bool{}
	for range 4 {
		seen[u.Pick(0, Tried{}).Host] = true
	}
	if !seen["10.0.0.1:80"] || !seen["10.0.0.2:80"] {
		t.Fatalf("picks reached %v; want both addresses", seen)
	}
}

type lockedResolver struct {
	mu      sync.Mutex
	answers map[string][]netip.Addr
}

func (l *lockedResolver) set(host string, addrs ...netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.answers[host] = addrs
}

func (l *lockedResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.answers[host], nil
}

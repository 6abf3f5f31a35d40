package upstream

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/metrics"
)

// Settings are one service's balancing and resilience settings, with
// defaults already applied.
type Settings struct {
	// Service names the service in metrics.
	Service string
	// Algorithm is one of Algorithms; "" is round_robin.
	Algorithm string
	// LoadFactor bounds consistent hashing (percent of the mean load).
	LoadFactor int
	// DNSRefresh re-resolves targets named by host name this often; 0
	// leaves names to the connection pool.
	DNSRefresh time.Duration
	// Health, Outlier and Breaker are off when nil.
	Health  *HealthSettings
	Outlier *OutlierSettings
	Breaker *BreakerSettings
	// MaxConcurrent caps the requests in flight; 0 is no cap.
	MaxConcurrent int
	// RetryBudgetPercent and RetryMinConcurrency size the retry budget.
	RetryBudgetPercent  int
	RetryMinConcurrency int

	// Clock, Resolver and Rand are for tests; nil means the real ones.
	Clock    Clock         `json:"-"`
	Resolver Resolver      `json:"-"`
	Rand     func() uint64 `json:"-"`
}

// Upstream is one service's live targets and resilience state. It is
// kept across reloads while the service's targets and settings are
// unchanged (see internal/statepool), so health, ejections, breaker state
// and in-flight counts carry over.
type Upstream struct {
	name       string
	algorithm  string
	loadFactor int
	rnd        randFunc
	clock      Clock

	set atomic.Pointer[targetSet]

	outlier  *outlier
	Breaker  *Breaker
	Budget   *Budget
	Bulkhead *Bulkhead

	health *HealthSettings
	dns    *dnsTargets
	every  time.Duration // DNS refresh

	mu      sync.Mutex
	refs    int
	cancel  context.CancelFunc
	done    chan struct{}
	stopped bool
}

type targetSet struct {
	targets []*Target
	bal     balancer
}

// New builds a service's upstream over its configured targets. Background
// work (health checks, DNS) starts with the first Acquire.
func New(targets []*Target, s Settings) (*Upstream, error) {
	if len(targets) == 0 {
		return nil, errors.New("no targets")
	}
	if s.Clock == nil {
		s.Clock = SystemClock
	}
	u := &Upstream{
		name:       s.Service,
		algorithm:  s.Algorithm,
		loadFactor: s.LoadFactor,
		rnd:        s.Rand,
		clock:      s.Clock,
		Budget:     &Budget{Percent: s.RetryBudgetPercent, MinConcurrency: s.RetryMinConcurrency},
		Bulkhead:   NewBulkhead(s.MaxConcurrent),
		health:     s.Health,
	}
	if s.Outlier != nil {
		u.outlier = newOutlier(*s.Outlier, s.Clock)
	}
	if s.Breaker != nil {
		name := s.Service
		u.Breaker = NewBreaker(*s.Breaker, s.Clock, func(st BreakerState) {
			metrics.CircuitBreakerState.WithLabelValues(name).Set(float64(st))
		})
		metrics.CircuitBreakerState.WithLabelValues(name).Set(0)
	}
	initial := targets
	if s.DNSRefresh > 0 {
		u.dns = newDNSTargets(targets, s.Resolver, s.DNSRefresh)
		u.every = s.DNSRefresh
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		initial = u.dns.resolve(ctx)
		cancel()
		if len(initial) == 0 {
			// Nothing resolved yet: keep the names, the pool resolves
			// them at connect time, and the next refresh tries again.
			initial = targets
		}
	}
	u.setTargets(initial)
	return u, nil
}

// Name is the service name.
func (u *Upstream) Name() string { return u.name }

// Targets returns the targets now in the pool.
func (u *Upstream) Targets() []*Target { return u.set.Load().targets }

func (u *Upstream) setTargets(ts []*Target) {
	old := u.set.Load()
	for _, t := range ts {
		if t.onHealth == nil {
			t.onHealth = u.healthChanged
			metrics.UpstreamTargetHealthy.WithLabelValues(u.name, t.Raw).Set(1)
		}
	}
	u.set.Store(&targetSet{targets: ts, bal: newBalancer(u.algorithm, ts, u.loadFactor, u.rnd)})
	if old == nil {
		return
	}
	for _, t := range old.targets {
		if !containsTarget(ts, t) {
			metrics.UpstreamTargetHealthy.DeleteLabelValues(u.name, t.Raw)
		}
	}
}

func (u *Upstream) healthChanged(t *Target, healthy bool) {
	v := 0.0
	if healthy && !t.Down() && !t.Ejected(u.clock.Now()) {
		v = 1
	}
	metrics.UpstreamTargetHealthy.WithLabelValues(u.name, t.Raw).Set(v)
}

// Tried is the targets a request already used, so a retry can go
// elsewhere. It is a value (no allocation) holding the last four.
type Tried struct {
	ts [4]*Target
	n  int
}

// Add records t.
func (tr *Tried) Add(t *Target) {
	tr.ts[tr.n%len(tr.ts)] = t
	tr.n++
}

func (tr *Tried) has(t *Target) bool {
	for _, x := range tr.ts[:min(tr.n, len(tr.ts))] {
		if x == t {
			return true
		}
	}
	return false
}

// filter says which targets a pick may return. It is passed by value so
// a pick does not allocate.
type filter struct {
	now   time.Time
	tried Tried
}

func (f filter) ok(t *Target) bool { return !f.tried.has(t) && t.Usable(f.now) }

// Pick chooses a target for one attempt: one in rotation and, when any
// is left, not among tried. key is the consistent-hashing key. nil means
// no target is in rotation.
func (u *Upstream) Pick(key uint64, tried Tried) *Target {
	set := u.set.Load()
	now := u.clock.Now()
	if tried.n > 0 {
		if t := set.bal.pick(key, filter{now: now, tried: tried}); t != nil {
			return t
		}
	}
	return set.bal.pick(key, filter{now: now})
}

// Report records the outcome of an attempt on t for outlier detection:
// failure is a connect error, a timeout or a 5xx.
func (u *Upstream) Report(t *Target, success bool) {
	if u.outlier != nil {
		u.outlier.record(t, u.set.Load().targets, success)
	}
}

// RetryAfter is the Retry-After a client should get when no target is in
// rotation: the soonest an ejection ends, else a health check interval.
func (u *Upstream) RetryAfter() int {
	now := u.clock.Now()
	var soonest time.Duration
	for _, t := range u.set.Load().targets {
		if t.Ejected(now) {
			if d := time.Duration(t.ejectedUntil.Load() - now.UnixNano()); soonest == 0 || d < soonest {
				soonest = d
			}
		}
	}
	if soonest == 0 && u.health != nil {
		soonest = u.health.Interval * time.Duration(max(1, u.health.HealthyThreshold))
	}
	return retryAfterSeconds(soonest)
}

// Acquire marks the upstream as used by one more runtime and starts its
// background work (health checks, DNS refresh) if it is not running.
func (u *Upstream) Acquire() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.refs++
	if u.cancel != nil || u.stopped || (u.health == nil && u.dns == nil) {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	u.cancel = cancel
	u.done = make(chan struct{})
	go u.background(ctx, u.done)
}

// Release undoes one Acquire; the last one stops the background work.
func (u *Upstream) Release() {
	u.mu.Lock()
	u.refs--
	last := u.refs <= 0
	u.mu.Unlock()
	if last {
		u.stop(false)
	}
}

// Close stops the background work for good. The state pool calls it when
// a reload no longer uses this upstream.
func (u *Upstream) Close() error {
	u.stop(true)
	return nil
}

func (u *Upstream) stop(final bool) {
	u.mu.Lock()
	cancel, done := u.cancel, u.done
	u.cancel, u.done = nil, nil
	if final {
		u.stopped = true
	}
	u.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

func (u *Upstream) background(ctx context.Context, done chan struct{}) {
	defer close(done)
	var wg sync.WaitGroup
	if u.health != nil {
		c := newChecker(*u.health, u.Targets)
		wg.Go(func() { c.run(ctx) })
	}
	if u.dns != nil {
		wg.Go(func() { u.refreshDNS(ctx) })
	}
	wg.Wait()
}

func (u *Upstream) refreshDNS(ctx context.Context) {
	tick := time.NewTicker(u.every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if ts := u.dns.resolve(ctx); len(ts) > 0 && !sameTargets(ts, u.Targets()) {
			u.setTargets(ts)
		}
	}
}

func sameTargets(a, b []*Target) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func containsTarget(ts []*Target, t *Target) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

// Algorithm is the balancing algorithm in use.
func (u *Upstream) Algorithm() string { return u.algorithm }

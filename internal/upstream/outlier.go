package upstream

import (
	"sync"
	"time"
)

// OutlierSettings configure passive health checking.
type OutlierSettings struct {
	// ConsecutiveFailures (connect failures, timeouts, 5xx) eject a target.
	ConsecutiveFailures int
	// BaseEjection is the first ejection's length; the n-th ejection in a
	// row lasts n times as long, up to MaxEjection.
	BaseEjection time.Duration
	MaxEjection  time.Duration
	// MaxEjectedPercent caps the share of targets out at once; at least
	// one target may always be ejected, as in Envoy.
	MaxEjectedPercent int
}

// outlier ejects targets that keep failing. Successes and failures are
// counted on the target with atomics; only an ejection takes the lock, to
// keep the ejected share under its cap.
type outlier struct {
	s     OutlierSettings
	clock Clock
	mu    sync.Mutex
}

func newOutlier(s OutlierSettings, clock Clock) *outlier {
	if s.MaxEjection < s.BaseEjection {
		s.MaxEjection = s.BaseEjection
	}
	return &outlier{s: s, clock: clock}
}

// record counts one outcome of t among targets. It returns whether the
// target was ejected by it.
func (o *outlier) record(t *Target, targets []*Target, success bool) bool {
	if success {
		if t.consecutive.Load() != 0 {
			t.consecutive.Store(0)
		}
		return false
	}
	if int(t.consecutive.Add(1)) < o.s.ConsecutiveFailures {
		return false
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.clock.Now()
	if t.Ejected(now) {
		return false
	}
	out := 0
	for _, x := range targets {
		if x.Ejected(now) {
			out++
		}
	}
	if limit := max(1, len(targets)*o.s.MaxEjectedPercent/100); out >= limit {
		return false
	}
	t.consecutive.Store(0)
	// A target that stayed in for as long as its last ejection lasted
	// has earned a shorter next one.
	n := t.ejections.Load()
	if last := t.ejectedUntil.Load(); n > 0 && now.UnixNano()-last > int64(o.ejectionTime(n)) {
		n--
	}
	n++
	t.ejections.Store(n)
	t.ejectedUntil.Store(now.Add(o.ejectionTime(n)).UnixNano())
	if !t.ejected.Swap(true) {
		t.notify(false)
	}
	return true
}

// ejectionTime is the length of the n-th ejection in a row.
func (o *outlier) ejectionTime(n int32) time.Duration {
	d := o.s.BaseEjection * time.Duration(n)
	if d > o.s.MaxEjection || d < 0 {
		d = o.s.MaxEjection
	}
	return d
}

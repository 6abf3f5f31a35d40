package upstream

import (
	"context"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// HealthSettings configure active health checks.
type HealthSettings struct {
	// Path is requested with GET on every target, e.g. "/healthz".
	Path string
	// Interval between checks of a target; Timeout bounds one check.
	Interval, Timeout time.Duration
	// HealthyThreshold successes in a row put a target back in rotation;
	// UnhealthyThreshold failures in a row take it out.
	HealthyThreshold, UnhealthyThreshold int
	// ExpectedStatuses are the answers that count as healthy; empty means
	// any 2xx.
	ExpectedStatuses []int
	// GRPC checks with the gRPC health checking protocol instead, asking
	// about GRPCService ("" is the whole server).
	GRPC        bool
	GRPCService string
	// Transport sends the checks (the service's protocol and TLS); nil is
	// a plain HTTP/1.1 transport.
	Transport http.RoundTripper `json:"-"`
}

// healthStreak is one target's run of check results. Only the checker
// goroutine touches it.
type healthStreak struct{ ok, fail int }

// observe applies one check result to t and reports whether t changed
// rotation status.
func (s *HealthSettings) observe(t *Target, st *healthStreak, ok bool) bool {
	if ok {
		st.fail = 0
		st.ok++
		if t.Down() && st.ok >= s.HealthyThreshold {
			t.setDown(false)
			return true
		}
		return false
	}
	st.ok = 0
	st.fail++
	if !t.Down() && st.fail >= s.UnhealthyThreshold {
		t.setDown(true)
		return true
	}
	return false
}

func (s *HealthSettings) expected(code int) bool {
	if len(s.ExpectedStatuses) == 0 {
		return code >= 200 && code < 300
	}
	return slices.Contains(s.ExpectedStatuses, code)
}

// checker runs the active health checks of one service: every Interval it
// checks all current targets at once (DNS may have changed them).
type checker struct {
	s       HealthSettings
	client  *http.Client
	targets func() []*Target
	streaks map[*Target]*healthStreak
}

func newChecker(s HealthSettings, targets func() []*Target) *checker {
	var tr http.RoundTripper = s.Transport
	if tr == nil {
		tr = &http.Transport{
			Proxy:               nil,
			MaxIdleConnsPerHost: 1,
			IdleConnTimeout:     2 * s.Interval,
			DisableCompression:  true,
		}
	}
	return &checker{
		s:       s,
		client:  &http.Client{Transport: tr, Timeout: s.Timeout, CheckRedirect: noRedirects},
		targets: targets,
		streaks: map[*Target]*healthStreak{},
	}
}

func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// run checks until ctx ends, starting at once so a dead target is found
// before the first interval has passed.
func (c *checker) run(ctx context.Context) {
	defer c.client.CloseIdleConnections()
	tick := time.NewTicker(c.s.Interval)
	defer tick.Stop()
	for {
		c.round(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (c *checker) round(ctx context.Context) {
	ts := c.targets()
	results := make([]bool, len(ts))
	var wg sync.WaitGroup
	for i, t := range ts {
		wg.Go(func() { results[i] = c.check(ctx, t) })
	}
	wg.Wait()
	if ctx.Err() != nil {
		return
	}
	live := make(map[*Target]*healthStreak, len(ts))
	for i, t := range ts {
		st := c.streaks[t]
		if st == nil {
			st = &healthStreak{}
		}
		live[t] = st
		c.s.observe(t, st, results[i])
	}
	c.streaks = live
}

func (c *checker) check(ctx context.Context, t *Target) bool {
	if c.s.GRPC {
		return c.checkGRPC(ctx, t)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.Scheme+"://"+t.Host+c.s.Path, nil)
	if err != nil {
		return false
	}
	if t.HostHeader != "" {
		req.Host = t.HostHeader
	}
	req.Header.Set("User-Agent", "gatehouse-health-check")
	resp, err := c.client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return c.s.expected(resp.StatusCode)
}

package ratelimit

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gatehouse/gatehouse/internal/metrics"
)

// OnFailure is what a shared store's outage means for requests.
type OnFailure uint8

const (
	// FailLocal limits with the local store until Redis is back (default).
	FailLocal OnFailure = iota
	// FailAllow lets every request through while Redis is down.
	FailAllow
	// FailDeny refuses every request (503) while Redis is down.
	FailDeny
)

// ParseOnFailure maps the config names.
func ParseOnFailure(s string) (OnFailure, error) {
	switch s {
	case "", "local":
		return FailLocal, nil
	case "allow":
		return FailAllow, nil
	case "deny":
		return FailDeny, nil
	}
	return 0, errors.New("unknown on_store_failure " + s)
}

// failuresToDown is how many failed calls in a row take Redis out.
const failuresToDown = 3

func refused(err error) bool {
	var op *net.OpError
	return errors.Is(err, syscall.ECONNREFUSED) || (errors.As(err, &op) && op.Op == "dial")
}

// ErrStoreDown is returned in FailDeny mode while the store is down.
var ErrStoreDown = errors.New("rate limit store unavailable")

// Shared puts a Redis store in front of the failure policy: while Redis
// fails, requests do not wait for it (they go to the fallback at once) and
// a background probe brings Redis back when it answers again.
type Shared struct {
	redis    *Redis
	local    *Local
	mode     OnFailure
	name     string
	logger   *slog.Logger
	down     atomic.Bool
	failures atomic.Int32
	mu       sync.Mutex
	probing  bool
	closed   chan struct{}
	once     sync.Once
	lastLog  time.Time
	interval time.Duration
}

// NewShared wraps r; name labels the store in metrics and logs.
func NewShared(r *Redis, local *Local, mode OnFailure, name string, logger *slog.Logger) *Shared {
	s := &Shared{redis: r, local: local, mode: mode, name: name, logger: logger,
		closed: make(chan struct{}), interval: 500 * time.Millisecond}
	metrics.RateLimitStoreUp.WithLabelValues(name).Set(1)
	return s
}

// Take implements Store.
func (s *Shared) Take(ctx context.Context, alg Algorithm, checks []Check, out []Decision) error {
	return s.decide(ctx, alg, checks, out, true)
}

// Peek implements Store.
func (s *Shared) Peek(ctx context.Context, alg Algorithm, checks []Check, out []Decision) error {
	return s.decide(ctx, alg, checks, out, false)
}

// decide asks Redis, or while it is down applies on_store_failure.
func (s *Shared) decide(ctx context.Context, alg Algorithm, checks []Check, out []Decision, commit bool) error {
	if !s.down.Load() {
		var err error
		if commit {
			err = s.redis.Take(ctx, alg, checks, out)
		} else {
			err = s.redis.Peek(ctx, alg, checks, out)
		}
		if err == nil || ctx.Err() != nil {
			if err == nil {
				s.failures.Store(0)
			}
			return err
		}
		// A refused connection is an outage at once; a timeout may be one
		// slow call, so it takes a few in a row. This request falls back
		// either way: it must not wait again.
		if refused(err) || s.failures.Add(1) >= failuresToDown {
			s.markDown(err)
		}
	}
	switch s.mode {
	case FailAllow:
		for i, c := range checks {
			out[i] = Decision{Allowed: true, Remaining: c.Limit.Requests}
		}
		return nil
	case FailDeny:
		return ErrStoreDown
	}
	s.local.decide(alg, checks, out, commit)
	return nil
}

// Down reports whether the shared store is considered down.
func (s *Shared) Down() bool { return s.down.Load() }

func (s *Shared) markDown(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down.Store(true)
	metrics.RateLimitStoreUp.WithLabelValues(s.name).Set(0)
	// One line per outage, then at most one every 30s.
	if now := time.Now(); now.Sub(s.lastLog) > 30*time.Second {
		s.lastLog = now
		s.logger.Error("rate limit store down; applying on_store_failure", "store", s.name, "err", err)
	}
	if !s.probing {
		s.probing = true
		go s.probe()
	}
}

// probe pings until Redis answers, then sends requests back to it.
func (s *Shared) probe() {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		select {
		case <-s.closed:
			return
		case <-t.C:
		}
		if s.redis.Ping(context.Background()) == nil {
			s.mu.Lock()
			s.down.Store(false)
			s.failures.Store(0)
			s.probing = false
			s.lastLog = time.Time{}
			s.mu.Unlock()
			metrics.RateLimitStoreUp.WithLabelValues(s.name).Set(1)
			s.logger.Info("rate limit store back", "store", s.name)
			return
		}
	}
}

// Close stops the probe and the Redis pool.
func (s *Shared) Close() error {
	s.once.Do(func() { close(s.closed) })
	return s.redis.Close()
}

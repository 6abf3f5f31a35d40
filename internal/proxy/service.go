// Package proxy is the terminal handler of every route: it sends the
// request to a target of the route's service with clean headers, streams
// both bodies, and turns upstream failures into JSON errors.
package proxy

import (
	"log"
	"log/slog"

	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/upstream"
	"github.com/prometheus/client_golang/prometheus"
)

// Hash sources of consistent hashing.
const (
	HashClientIP = iota
	HashHeader
	HashCookie
)

// HashOn says where a request's consistent-hashing key comes from.
type HashOn struct {
	Source int
	Name   string
}

// ServiceSettings are what a service is built from; nothing of a Service
// changes after NewService.
type ServiceSettings struct {
	Name string
	// Upstream picks targets and holds health, breaker and budget state.
	Upstream  *upstream.Upstream
	Transport Transport
	Hash      HashOn
	Logger    *slog.Logger
}

// Service is one upstream service: its targets and resilience state, its
// connection pool, and how requests pick a target.
type Service struct {
	name      string
	up        *upstream.Upstream
	transport Transport
	hash      HashOn
	hashing   bool
	retries   prometheus.Counter
	failures  *prometheus.CounterVec
	errorLog  *log.Logger
}

// NewService builds a service. It takes a reference on the upstream that
// Close or Release gives back.
func NewService(s ServiceSettings) *Service {
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	s.Upstream.Acquire()
	return &Service{
		name:      s.Name,
		up:        s.Upstream,
		transport: s.Transport,
		hash:      s.Hash,
		hashing:   s.Upstream.Algorithm() == upstream.ConsistentHash,
		retries:   metrics.UpstreamRetries.WithLabelValues(s.Name),
		failures:  metrics.UpstreamFailures,
		errorLog:  slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn),
	}
}

// Name is the service's name.
func (s *Service) Name() string { return s.name }

// Upstream is the service's upstream state.
func (s *Service) Upstream() *upstream.Upstream { return s.up }

// Close drops the service's idle connections (after a reload drained it)
// and gives back its upstream.
func (s *Service) Close() {
	s.transport.CloseIdleConnections()
	s.Release()
}

// Release gives back the upstream state but keeps the connection pool,
// which a newer runtime may share (the state pool closes it once no
// runtime uses it).
func (s *Service) Release() { s.up.Release() }

// failed counts a try the service is to blame for, by kind.
func (s *Service) failed(f upstream.Failure) {
	s.failures.WithLabelValues(s.name, failureName(f)).Inc()
}

func failureName(f upstream.Failure) string {
	switch f {
	case upstream.ConnectFailure:
		return "connect"
	case upstream.Timeout:
		return "timeout"
	case upstream.Reset:
		return "reset"
	}
	return "status"
}

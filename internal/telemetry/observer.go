package telemetry

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// Observer is told of every finished request once: it updates the request
// metrics and writes the access log line (when there is a log).
type Observer struct {
	log *AccessLog
	m   requestMetrics
}

// NewObserver observes into log (nil: metrics only).
func NewObserver(log *AccessLog) *Observer {
	return &Observer{log: log, m: requestMetrics{
		counters:  map[seriesKey]prometheus.Counter{},
		durations: map[seriesKey]prometheus.Observer{},
		upstream:  map[string]prometheus.Observer{},
	}}
}

// Log records one finished request.
func (o *Observer) Log(r *http.Request, st *pipeline.State, status int, bytes int64) {
	o.m.observe(metrics.Method(r.Method), st, status)
	o.log.Log(r, st, status, bytes)
}

// requestMetrics caches the labelled series so that a request costs map
// lookups under a read lock, not label hashing and allocation. Route and
// service names come from the config, so the caches stay bounded.
type requestMetrics struct {
	mu        sync.RWMutex
	counters  map[seriesKey]prometheus.Counter
	durations map[seriesKey]prometheus.Observer
	upstream  map[string]prometheus.Observer
}

type seriesKey struct {
	method, route string
	code          int
}

// noRoute labels requests that matched no route (404, 405, 400).
const noRoute = "none"

func (m *requestMetrics) observe(method string, st *pipeline.State, status int) {
	route := st.Route
	if route == "" {
		route = noRoute
	}
	if st.GRPCStatus != "" {
		// Rare beside plain HTTP, and bounded (route × 17 codes): looked
		// up per call, not cached.
		metrics.GRPCRequests.WithLabelValues(route, pipeline.GRPCCodeName(st.GRPCStatus)).Inc()
	}
	ck := seriesKey{method: method, route: route, code: status}
	dk := seriesKey{method: method, route: route}
	m.mu.RLock()
	c, okc := m.counters[ck]
	d, okd := m.durations[dk]
	var u prometheus.Observer
	oku := true
	if st.Service != "" && st.UpstreamLatency > 0 {
		u, oku = m.upstream[st.Service]
	}
	m.mu.RUnlock()
	if !okc || !okd || !oku {
		c, d, u = m.create(ck, dk, st)
	}
	c.Inc()
	d.Observe(time.Since(st.Start).Seconds())
	if u != nil {
		u.Observe(st.UpstreamLatency.Seconds())
	}
}

func (m *requestMetrics) create(ck, dk seriesKey, st *pipeline.State) (prometheus.Counter, prometheus.Observer, prometheus.Observer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.counters[ck]
	if !ok {
		c = metrics.RequestsTotal.WithLabelValues(ck.method, ck.route, strconv.Itoa(ck.code))
		m.counters[ck] = c
	}
	d, ok := m.durations[dk]
	if !ok {
		d = metrics.RequestDuration.WithLabelValues(dk.method, dk.route)
		m.durations[dk] = d
	}
	var u prometheus.Observer
	if st.Service != "" && st.UpstreamLatency > 0 {
		if u, ok = m.upstream[st.Service]; !ok {
			u = metrics.UpstreamDuration.WithLabelValues(st.Service)
			m.upstream[st.Service] = u
		}
	}
	return c, d, u
}

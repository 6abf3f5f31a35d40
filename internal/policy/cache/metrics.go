package cache

import "github.com/gatehouse/gatehouse/internal/metrics"

// The cache's counters, one series each (kinds are few and fixed).
var (
	hits          = metrics.CacheEvents.WithLabelValues("hit")
	misses        = metrics.CacheEvents.WithLabelValues("miss")
	staleServed   = metrics.CacheEvents.WithLabelValues("stale")
	revalidations = metrics.CacheEvents.WithLabelValues("revalidated")
	coalesced     = metrics.CacheEvents.WithLabelValues("coalesced")
	stores        = metrics.CacheEvents.WithLabelValues("stored")
	evicted       = metrics.CacheEvents.WithLabelValues("evicted")
)

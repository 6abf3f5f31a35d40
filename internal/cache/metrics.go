package cache

import "github.com/gatehouse/gatehouse/internal/metrics"

// storeErrors counts failed calls to a shared store (each a miss or an
// answer not stored, never a failed request).
var storeErrors = metrics.CacheEvents.WithLabelValues("store_error")

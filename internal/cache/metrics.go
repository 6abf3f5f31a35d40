package cache

import (
	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

// storeErrors counts failed calls to a shared store (each a miss or an
// answer not stored, never a failed request).
var storeErrors = metrics.CacheEvents.WithLabelValues("store_error")

func init() {
	metrics.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "gateway_cache_bytes",
		Help: "Bytes held by the gateway's in-memory response caches.",
	}, func() float64 { return float64(Stores.Bytes()) }))
}

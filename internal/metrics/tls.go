package metrics

import "github.com/prometheus/client_golang/prometheus"

// TLSCertificateExpiry is each serving certificate's NotAfter, so an alert
// can fire well before a certificate that failed to renew expires. The
// labels come from the config's certificates and ACME domains.
var TLSCertificateExpiry = prometheus.NewGaugeVec(prometheus.GaugeOpts{
	Name: "gateway_tls_certificate_expiry_seconds",
	Help: "Expiry time (unix seconds) of each certificate a listener serves, by listener and certificate name.",
}, []string{"listener", "certificate"})

// TLSCertificateReloads counts certificate reloads by listener and
// result (success or error).
var TLSCertificateReloads = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "gateway_tls_certificate_reloads_total",
	Help: "Certificate file reloads, by listener and result (success, error).",
}, []string{"listener", "result"})

func init() { Registry.MustRegister(TLSCertificateExpiry, TLSCertificateReloads) }

package config

// Upstream protocols (Service.Protocol).
const (
	ProtocolHTTP1 = "http1"
	ProtocolH2    = "h2"
	ProtocolH2C   = "h2c"
)

// Health check types (HealthCheck.Type).
const (
	HealthCheckHTTP = "http"
	HealthCheckGRPC = "grpc"
)

// UpstreamTLS is how the gateway verifies (and authenticates to) a
// service's https targets.
type UpstreamTLS struct {
	// CAFiles are PEM files of the CAs that may sign the service's
	// certificates, instead of the system's roots. Empty: system roots.
	CAFiles []string `yaml:"ca_files"`
	// ServerName is the name verified in the service's certificate and
	// sent as SNI. Default: the target URL's host.
	ServerName string `yaml:"server_name"`
	// ClientCertificate is presented to services that ask for one
	// (mutual TLS to the service).
	ClientCertificate *CertKeyPair `yaml:"client_certificate"`
	// MinVersion is the lowest TLS version accepted: "1.2" (default) or
	// "1.3".
	MinVersion string `yaml:"min_version"`
	// InsecureSkipVerify accepts any certificate from the service. For
	// tests only: a warning is logged at every load while it is set.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

// CertKeyPair names a PEM certificate (chain) and its private key.
type CertKeyPair struct {
	// Cert is the PEM file of the certificate, leaf first. Required.
	Cert string `yaml:"cert"`
	// Key is the PEM file of the certificate's private key. Required.
	Key string `yaml:"key"`
}

package config

// Tracing configures OpenTelemetry tracing. Off unless an exporter is set.
// Read at start: changing it needs a restart.
type Tracing struct {
	// Exporter is "otlp_http" or "otlp_grpc"; empty or "off" disables
	// tracing (the default).
	Exporter string `yaml:"exporter"`
	// Endpoint is where spans go: a URL such as
	// "http://collector:4318/v1/traces" for otlp_http, host:port such as
	// "collector:4317" for otlp_grpc. Required with an exporter.
	Endpoint string `yaml:"endpoint"`
	// Insecure sends otlp_grpc without TLS. (otlp_http follows the URL's
	// scheme.)
	Insecure bool `yaml:"insecure"`
	// SampleRatio is the share of new traces recorded, 0 to 1. A request
	// that arrives with a traceparent follows its sampled flag. Default 1.
	SampleRatio *float64 `yaml:"sample_ratio"`
	// ServiceName is the service.name resource of the spans. Default
	// "gatehouse".
	ServiceName string `yaml:"service_name"`
	// Headers are sent with every export, e.g. a collector's API key
	// (write it as ${ENV}).
	Headers map[string]string `yaml:"headers"`
}

// Tracing exporters and defaults.
const (
	TracingOff         = "off"
	TracingOTLPHTTP    = "otlp_http"
	TracingOTLPGRPC    = "otlp_grpc"
	DefaultServiceName = "gatehouse"
	DefaultSampleRatio = 1.0
)

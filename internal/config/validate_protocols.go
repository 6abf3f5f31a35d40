package config

import "strings"

// serviceProtocol checks a service's protocol against its targets' schemes
// and its tls block. Files are read when the service is built, not here:
// validation does no I/O.
func (v *validator) serviceProtocol(s Service, at Path) {
	https, http := 0, 0
	for _, t := range s.Targets {
		switch {
		case strings.HasPrefix(t.URL, "https://"):
			https++
		case strings.HasPrefix(t.URL, "http://"):
			http++
		}
	}
	switch s.Protocol {
	case "", ProtocolHTTP1:
	case ProtocolH2:
		if http > 0 {
			v.errorf(at.Field("protocol"), `h2 needs https targets (use h2c for cleartext HTTP/2)`)
		}
	case ProtocolH2C:
		if https > 0 {
			v.errorf(at.Field("protocol"), `h2c needs http targets (use h2 for HTTP/2 over TLS)`)
		}
	default:
		v.errorf(at.Field("protocol"), `must be "http1", "h2" or "h2c", got %q`, s.Protocol)
	}
	if h := s.HealthCheck; h != nil && h.Type == HealthCheckGRPC && s.Protocol != ProtocolH2 && s.Protocol != ProtocolH2C {
		v.errorf(at.Field("health_check").Field("type"), `grpc needs the service's protocol to be h2 or h2c`)
	}
	if s.TLS != nil {
		if https == 0 && len(s.Targets) > 0 {
			v.errorf(at.Field("tls"), "set, but no target is https")
		}
		v.upstreamTLS(*s.TLS, at.Field("tls"))
	}
}

func (v *validator) upstreamTLS(t UpstreamTLS, at Path) {
	for i, f := range t.CAFiles {
		if f == "" {
			v.errorf(at.Field("ca_files").Index(i), "must not be empty")
		}
	}
	if c := t.ClientCertificate; c != nil {
		cc := at.Field("client_certificate")
		if c.Cert == "" {
			v.errorf(cc.Field("cert"), "required")
		}
		if c.Key == "" {
			v.errorf(cc.Field("key"), "required")
		}
	}
	switch t.MinVersion {
	case "", "1.2", "1.3":
	default:
		v.errorf(at.Field("min_version"), `must be "1.2" or "1.3", got %q`, t.MinVersion)
	}
	if t.InsecureSkipVerify && (len(t.CAFiles) > 0 || t.ServerName != "") {
		v.errorf(at.Field("insecure_skip_verify"), "verifies nothing: ca_files and server_name would be ignored")
	}
}

// grpcHealthCheck checks a health check of type grpc: it has no path and
// no HTTP statuses.
func (v *validator) grpcHealthCheck(h HealthCheck, at Path) {
	if h.Path != "" {
		v.errorf(at.Field("path"), `not used by type "grpc" (set service instead)`)
	}
	if len(h.ExpectedStatuses) > 0 {
		v.errorf(at.Field("expected_statuses"), `not used by type "grpc" (SERVING is healthy)`)
	}
}

// grpcWebRoutes: a route translating gRPC-Web sends gRPC, which needs
// HTTP/2 to the service.
func (v *validator) grpcWebRoutes() {
	protocols := make(map[string]string, len(v.c.Services))
	for _, s := range v.c.Services {
		protocols[s.Name] = s.Protocol
	}
	for i, r := range v.c.Routes {
		if !r.GRPCWeb {
			continue
		}
		p, ok := protocols[r.Service]
		if ok && p != ProtocolH2 && p != ProtocolH2C {
			v.errorf(Path("routes").Index(i).Field("grpc_web"), "service %q must have protocol h2 or h2c: gRPC needs HTTP/2", r.Service)
		}
	}
}

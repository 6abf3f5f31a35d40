package e2e

import (
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	testpb "google.golang.org/grpc/interop/grpc_testing"
)

// TestUpstreamTLS: services verified against their own CA under a chosen
// server name, the gateway's client certificate presented to a service
// that requires one, HTTP/1.1 or HTTP/2 as configured; a certificate
// problem answers 502 and names its cause in the log.
func TestUpstreamTLS(t *testing.T) {
	serverCA, clientCA, otherCA := newTestCA(t, "services"), newTestCA(t, "gateways"), newTestCA(t, "other")
	srvCert, _, _ := serverCA.issue(t, "users", "users.internal")
	_, gwCert, gwKey := clientCA.issue(t, "gatehouse")

	// An HTTP service requiring a client certificate, answering with the
	// protocol and the client's name.
	up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cn := ""
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			cn = r.TLS.PeerCertificates[0].Subject.CommonName
		}
		fmt.Fprintf(w, "%s %s", r.Proto, cn)
	}))
	up.EnableHTTP2 = true
	up.Config.ErrorLog = log.New(io.Discard, "", 0)
	up.TLS = &tls.Config{Certificates: []tls.Certificate{srvCert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientCA.pool}
	up.StartTLS()
	t.Cleanup(up.Close)

	// The same requirements in front of a grpc-go service.
	be := startGRPCBackend(t, "tls", grpc.Creds(credentials.NewTLS(&tls.Config{
		Certificates: []tls.Certificate{srvCert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientCA.pool,
	})))

	tlsBlock := func(ca string) string {
		return fmt.Sprintf(`{ca_files: [%q], server_name: users.internal, client_certificate: {cert: %q, key: %q}}`, ca, gwCert, gwKey)
	}
	good, other := serverCA.file(t), otherCA.file(t)
	g := startGateway(t, `
services:
  - {name: h1, targets: [{url: "${UP}"}], tls: `+tlsBlock(good)+`}
  - {name: h2, protocol: h2, targets: [{url: "${UP}"}], tls: `+tlsBlock(good)+`}
  - {name: grpc, protocol: h2, targets: [{url: "https://${GRPC}"}], tls: `+tlsBlock(good)+`}
  - {name: wrong-ca, targets: [{url: "${UP}"}], tls: `+tlsBlock(other)+`}
  - {name: wrong-name, targets: [{url: "${UP}"}], tls: {ca_files: ["`+good+`"], server_name: orders.internal}}
  - {name: no-client-cert, targets: [{url: "${UP}"}], tls: {ca_files: ["`+good+`"], server_name: users.internal}}
routes:
  - {match: {path_prefix: /h1}, service: h1}
  - {match: {path_prefix: /h2}, service: h2}
  - {match: {path_prefix: /grpc.testing.TestService/}, service: grpc}
  - {match: {path_prefix: /wrong-ca}, service: wrong-ca}
  - {match: {path_prefix: /wrong-name}, service: wrong-name}
  - {match: {path_prefix: /no-client-cert}, service: no-client-cert}
`, map[string]string{"UP": up.URL, "GRPC": be.addr})

	for path, want := range map[string]string{"/h1": "HTTP/1.1 gatehouse", "/h2": "HTTP/2.0 gatehouse"} {
		res, body := g.do(http.MethodGet, path, nil)
		if res.StatusCode != http.StatusOK || body != want {
			t.Errorf("%s: %d %q; want 200 %q", path, res.StatusCode, body, want)
		}
	}
	c := dialGRPC(t, serveH2C(t, g))
	if res, err := c.UnaryCall(callCtx(t), &testpb.SimpleRequest{}); err != nil || res.GetUsername() != "tls" {
		t.Errorf("gRPC over TLS with a client certificate: %v %v", res, err)
	}
	for _, path := range []string{"/wrong-ca", "/wrong-name", "/no-client-cert"} {
		res, body := g.do(http.MethodGet, path, nil)
		if res.StatusCode != http.StatusBadGateway || parseError(t, body).Error != "upstream TLS certificate rejected" {
			t.Errorf("%s: %d %q; want 502 upstream TLS certificate rejected", path, res.StatusCode, body)
		}
		lines := g.accessLines(`"path":"` + path + `"`)
		if len(lines) == 0 || !strings.Contains(lines[len(lines)-1], "certificate") {
			t.Errorf("%s: access log %q does not name the certificate problem", path, lines)
		}
	}
}

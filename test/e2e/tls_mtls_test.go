package e2e

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/certs"
	"github.com/gatehouse/gatehouse/internal/consumer"
)

// TestMTLSRequire: a listener with client_auth require refuses the
// handshake of a client without a certificate or with one from another
// CA, and serves one with a certificate from its CA.
func TestMTLSRequire(t *testing.T) {
	p := newPKI(t)
	other := newPKI(t)
	c, k := p.issue("api", certs.Leaf{DNS: []string{"api.test"}})
	up := echoServer(t, "up")
	g := startGateway(t, fmt.Sprintf(`
listeners:
  - name: https
    addr: "127.0.0.1:0"
    tls:
      certificates: [{ cert: %s, key: %s }]
      client_auth: { mode: require, ca_files: [%s] }
`, c, k, p.caFile)+tlsRouteConfig, map[string]string{"UP": up.URL})
	url := "https://" + g.addr + "/x"

	if resp, err := httpsClient(p.pool, "api.test").Get(url); err == nil {
		resp.Body.Close()
		t.Errorf("no client certificate: got %d; want the handshake refused", resp.StatusCode)
	}
	stranger := other.clientCert(certs.Leaf{CommonName: "stranger"})
	if resp, err := httpsClient(p.pool, "api.test", stranger).Get(url); err == nil {
		resp.Body.Close()
		t.Errorf("certificate from another CA: got %d; want the handshake refused", resp.StatusCode)
	}
	good := p.clientCert(certs.Leaf{CommonName: "payments"})
	resp, err := httpsClient(p.pool, "api.test", good).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("valid client certificate: got %d; want 200", resp.StatusCode)
	}
}

// TestMTLSPolicy: with verify_if_given the listener lets clients without
// a certificate in; the mtls policy maps a verified certificate to its
// consumer (by fingerprint, URI, DNS, email or subject), forwards its
// details in headers clients cannot forge, and works with key_auth as
// any-of.
func TestMTLSPolicy(t *testing.T) {
	p := newPKI(t)
	other := newPKI(t)
	c, k := p.issue("api", certs.Leaf{DNS: []string{"api.test"}})
	pinned := p.clientCert(certs.Leaf{CommonName: "pinned"})
	fp := consumer.Fingerprint(pinnedLeaf(t, pinned))
	up := echoServer(t, "up")
	g := startGateway(t, fmt.Sprintf(`
listeners:
  - name: https
    addr: "127.0.0.1:0"
    tls:
      certificates: [{ cert: %s, key: %s }]
      client_auth: { mode: verify_if_given, ca_files: [%s] }
services:
  - name: echo
    targets: [{ url: "${UP}" }]
routes:
  - name: cert-only
    match: { path_prefix: /cert }
    service: echo
    policies:
      mtls: { forward_cert: true }
  - name: any-of
    match: { path_prefix: /either }
    service: echo
    policies:
      mtls: {}
      key_auth: {}
  - name: open
    match: { path_prefix: /open }
    service: echo
    policies:
      mtls: { anonymous: true }
  - name: unmapped
    match: { path_prefix: /unmapped }
    service: echo
    policies:
      mtls: { allow_unmapped: true }
consumers:
  - name: payments
    groups: [internal]
    client_certs: [{ uri: "spiffe://example.org/payments" }]
  - name: billing
    client_certs: [{ dns: billing.internal }]
  - name: ops
    client_certs: [{ email: ops@example.com }]
  - name: legacy
    client_certs: [{ subject: "CN=legacy" }]
  - name: pinned
    client_certs: [{ sha256: "%s" }]
  - name: keyed
    api_keys: [{ key: secret-key }]
`, c, k, p.caFile, strings.ToUpper(fp)), map[string]string{"UP": up.URL})
	base := "https://" + g.addr

	get := func(cl *http.Client, path string, hdr ...string) (int, seen) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := cl.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			return resp.StatusCode, seen{}
		}
		return resp.StatusCode, parseSeen(t, string(b))
	}
	clientFor := func(l certs.Leaf) *http.Client { return httpsClient(p.pool, "api.test", p.clientCert(l)) }
	anon := httpsClient(p.pool, "api.test")

	for _, tc := range []struct {
		name   string
		client *http.Client
		want   string
	}{
		{"uri", clientFor(certs.Leaf{CommonName: "x", URIs: []string{"spiffe://example.org/payments"}}), "payments"},
		{"dns", clientFor(certs.Leaf{CommonName: "x", DNS: []string{"Billing.Internal"}}), "billing"},
		{"email", clientFor(certs.Leaf{CommonName: "x", Emails: []string{"ops@example.com"}}), "ops"},
		{"subject", clientFor(certs.Leaf{CommonName: "legacy"}), "legacy"},
		{"fingerprint", httpsClient(p.pool, "api.test", pinned), "pinned"},
	} {
		code, s := get(tc.client, "/cert", "X-Consumer-Name", "forged", "X-Client-Cert-Subject", "CN=forged")
		if code != 200 {
			t.Errorf("%s: got %d; want 200", tc.name, code)
			continue
		}
		if got := strings.Join(s.Header["X-Consumer-Name"], ","); got != tc.want {
			t.Errorf("%s: X-Consumer-Name %q; want %q", tc.name, got, tc.want)
		}
		if got := s.Header["X-Client-Cert-Subject"]; len(got) != 1 || got[0] == "CN=forged" {
			t.Errorf("%s: X-Client-Cert-Subject %q; want the certificate's subject only", tc.name, got)
		}
		if len(s.Header["X-Client-Cert-Fingerprint"]) != 1 || len(s.Header["X-Client-Cert-Fingerprint"][0]) != 64 {
			t.Errorf("%s: fingerprint header %q", tc.name, s.Header["X-Client-Cert-Fingerprint"])
		}
		if len(s.Header["X-Client-Cert"]) != 1 || !strings.HasPrefix(s.Header["X-Client-Cert"][0], "-----BEGIN+CERTIFICATE") {
			t.Errorf("%s: X-Client-Cert %q; want the URL-encoded PEM", tc.name, s.Header["X-Client-Cert"])
		}
	}
	if code, s := get(clientFor(certs.Leaf{CommonName: "x", URIs: []string{"spiffe://example.org/payments"}}), "/cert"); code != 200 || s.Header["X-Client-Cert-San-Uri"][0] != "spiffe://example.org/payments" || s.Header["X-Consumer-Groups"][0] != "internal" {
		t.Errorf("URI SAN and groups: %d %v", code, s.Header)
	}

	// No certificate: refused where mtls is the only method.
	if code, _ := get(anon, "/cert"); code != 401 {
		t.Errorf("no certificate on /cert: got %d; want 401", code)
	}
	// A subject matches whole: CN=legacy with an O= is somebody else.
	if code, _ := get(clientFor(certs.Leaf{CommonName: "legacy", Org: "Example"}), "/cert"); code != 401 {
		t.Errorf("subject with extra attributes: got %d; want 401", code)
	}
	// A verified certificate of nobody is refused, unless allowed.
	nobody := clientFor(certs.Leaf{CommonName: "nobody"})
	if code, _ := get(nobody, "/cert"); code != 401 {
		t.Errorf("unmapped certificate: got %d; want 401", code)
	}
	if code, s := get(nobody, "/unmapped"); code != 200 || len(s.Header["X-Consumer-Name"]) != 0 || s.Header["X-Client-Cert-Subject"][0] != "CN=nobody" {
		t.Errorf("allow_unmapped: %d %v", code, s.Header)
	}
	// any-of: the API key works without a certificate, the certificate
	// without a key.
	if code, s := get(anon, "/either", "X-API-Key", "secret-key"); code != 200 || s.Header["X-Consumer-Name"][0] != "keyed" {
		t.Errorf("key_auth on the any-of route: %d %v", code, s.Header)
	}
	if code, s := get(clientFor(certs.Leaf{CommonName: "x", DNS: []string{"billing.internal"}}), "/either"); code != 200 || s.Header["X-Consumer-Name"][0] != "billing" {
		t.Errorf("mtls on the any-of route: %d %v", code, s.Header)
	}
	if code, _ := get(anon, "/either"); code != 401 {
		t.Errorf("neither on the any-of route: got %d; want 401", code)
	}
	// Anonymous: passes, and forged certificate headers are removed.
	code, s := get(anon, "/open", "X-Client-Cert-Subject", "CN=admin", "X-Client-Cert-Fingerprint", "ab", "X-Forwarded-Client-Cert", "Hash=ab")
	if code != 200 {
		t.Fatalf("anonymous route: %d", code)
	}
	for _, h := range []string{"X-Client-Cert-Subject", "X-Client-Cert-Fingerprint", "X-Forwarded-Client-Cert"} {
		if v, ok := s.Header[h]; ok {
			t.Errorf("client-sent %s reached the service: %q", h, v)
		}
	}
	// A certificate from another CA fails the handshake even in
	// verify_if_given.
	stranger := httpsClient(p.pool, "api.test", other.clientCert(certs.Leaf{CommonName: "stranger"}))
	if resp, err := stranger.Get(base + "/open"); err == nil {
		resp.Body.Close()
		t.Errorf("certificate from another CA: got %d; want the handshake refused", resp.StatusCode)
	}
}

func pinnedLeaf(t *testing.T, c tls.Certificate) *x509Certificate {
	t.Helper()
	leaf, err := parseLeaf(c)
	if err != nil {
		t.Fatal(err)
	}
	return leaf
}

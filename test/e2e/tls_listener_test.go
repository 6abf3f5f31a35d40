package e2e

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/gatehouse/gatehouse/internal/certs"
	"github.com/gatehouse/gatehouse/internal/metrics"
)

const tlsRouteConfig = `
services:
  - name: echo
    targets: [{ url: "${UP}" }]
routes:
  - name: all
    match: { path_prefix: / }
    service: echo
`

// TestTLSCertificateBySNI: exact name, then wildcard, then the first
// certificate as the default; ALPN offers h2 and http/1.1; requests reach
// the service over HTTPS.
func TestTLSCertificateBySNI(t *testing.T) {
	p := newPKI(t)
	defCert, defKey := p.issue("default", certs.Leaf{CommonName: "default.test", DNS: []string{"default.test"}})
	apiCert, apiKey := p.issue("api", certs.Leaf{CommonName: "api.test", DNS: []string{"api.test"}})
	wildCert, wildKey := p.issue("wild", certs.Leaf{CommonName: "wild", DNS: []string{"*.wild.test"}})
	up := echoServer(t, "up")
	g := startGateway(t, fmt.Sprintf(`
listeners:
  - name: https
    addr: "127.0.0.1:0"
    tls:
      certificates:
        - { cert: %s, key: %s }
        - { cert: %s, key: %s }
        - { cert: %s, key: %s }
`, defCert, defKey, apiCert, apiKey, wildCert, wildKey)+tlsRouteConfig, map[string]string{"UP": up.URL})

	conf := &tls.Config{RootCAs: p.pool, InsecureSkipVerify: true}
	for _, tc := range []struct{ sni, want string }{
		{"api.test", "api.test"},
		{"API.test", "api.test"},
		{"a.wild.test", "*.wild.test"},
		{"b.a.wild.test", "default.test"}, // a wildcard covers one label
		{"unknown.test", "default.test"},
		{"", "default.test"},
	} {
		leaf, _, err := handshake(g.addr, tc.sni, conf)
		if err != nil {
			t.Fatalf("SNI %q: %v", tc.sni, err)
		}
		if got := leaf.DNSNames[0]; got != tc.want {
			t.Errorf("SNI %q: got certificate for %q; want %q", tc.sni, got, tc.want)
		}
	}

	_, st, err := handshake(g.addr, "api.test", &tls.Config{RootCAs: p.pool, NextProtos: []string{"h2", "http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	if st.NegotiatedProtocol != "h2" {
		t.Errorf("ALPN: got %q; want h2 offered first", st.NegotiatedProtocol)
	}

	resp, err := httpsClient(p.pool, "api.test").Get("https://" + g.addr + "/hello")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || parseSeen(t, string(body)).Path != "/hello" {
		t.Errorf("HTTPS request: %d %s", resp.StatusCode, body)
	}

	// Each certificate's expiry is exported.
	if got := testutil.ToFloat64(metrics.TLSCertificateExpiry.WithLabelValues("https", "api.test")); got < float64(time.Now().Unix()) {
		t.Errorf("expiry metric for api.test = %v; want a future unix time", got)
	}
}

// TestTLSOldVersionsRefused: TLS 1.1 never; TLS 1.2 not when min_version
// is 1.3.
func TestTLSOldVersionsRefused(t *testing.T) {
	p := newPKI(t)
	c, k := p.issue("api", certs.Leaf{DNS: []string{"api.test"}})
	up := echoServer(t, "up")
	g := startGateway(t, fmt.Sprintf(`
listeners:
  - name: https
    addr: "127.0.0.1:0"
    tls:
      certificates: [{ cert: %s, key: %s }]
  - name: modern
    addr: "127.0.0.2:0"
    tls:
      certificates: [{ cert: %s, key: %s }]
      min_version: "1.3"
`, c, k, c, k)+tlsRouteConfig, map[string]string{"UP": up.URL})
	modern := g.g.Addr("modern").String()

	old := &tls.Config{RootCAs: p.pool, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}
	if _, _, err := handshake(g.addr, "api.test", old); err == nil {
		t.Error("TLS 1.1 handshake succeeded; want refused")
	}
	v12 := &tls.Config{RootCAs: p.pool, MaxVersion: tls.VersionTLS12}
	if _, st, err := handshake(g.addr, "api.test", v12); err != nil || st.Version != tls.VersionTLS12 {
		t.Errorf("TLS 1.2 on the default listener: %v (version %x)", err, st.Version)
	}
	if _, _, err := handshake(modern, "api.test", v12); err == nil {
		t.Error("TLS 1.2 accepted by a min_version 1.3 listener")
	}
	if _, st, err := handshake(g.addr, "api.test", &tls.Config{RootCAs: p.pool}); err != nil || st.Version != tls.VersionTLS13 {
		t.Errorf("default client: %v (version %x); want TLS 1.3 preferred", err, st.Version)
	}
}

// TestTLSCertificateSwapNoFailedHandshake replaces the certificate files
// again and again while clients keep handshaking: every handshake
// succeeds, and the new certificate is served in the end.
func TestTLSCertificateSwapNoFailedHandshake(t *testing.T) {
	p := newPKI(t)
	certFile, keyFile := p.issue("api", certs.Leaf{DNS: []string{"api.test"}})
	up := echoServer(t, "up")
	g := startGateway(t, fmt.Sprintf(`
listeners:
  - name: https
    addr: "127.0.0.1:0"
    tls:
      certificates: [{ cert: %s, key: %s }]
`, certFile, keyFile)+tlsRouteConfig, map[string]string{"UP": up.URL})

	conf := &tls.Config{RootCAs: p.pool}
	stop := make(chan struct{})
	var ok, failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			deadline := time.Now().Add(20 * time.Second) // a bound, not an expectation
			for time.Now().Before(deadline) {
				select {
				case <-stop:
					return
				default:
				}
				if _, _, err := handshake(g.addr, "api.test", conf); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				} else {
					ok.Add(1)
				}
			}
		}()
	}
	var lastSerial string
	for i := range 6 {
		// Key first, then the certificate: in between, the pair does not
		// match, which a reload must survive by keeping the old pair.
		c, k, err := p.ca.Issue(certs.Leaf{DNS: []string{"api.test"}, CommonName: fmt.Sprintf("gen-%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		if err := certs.WriteFileAtomic(keyFile, k, 0o600); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
		if err := certs.WriteFileAtomic(certFile, c, 0o644); err != nil {
			t.Fatal(err)
		}
		lastSerial = fmt.Sprintf("gen-%d", i)
		time.Sleep(300 * time.Millisecond)
	}
	// The last pair is served once the watcher has seen it.
	var served string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		leaf, _, err := handshake(g.addr, "api.test", conf)
		if err == nil {
			if served = leaf.Subject.CommonName; served == lastSerial {
				break
			}
		}
	}
	close(stop)
	wg.Wait()
	if served != lastSerial {
		t.Errorf("served certificate %q; want the last written, %q", served, lastSerial)
	}
	if failed.Load() != 0 {
		t.Errorf("%d of %d handshakes failed during certificate swaps; first: %v", failed.Load(), failed.Load()+ok.Load(), firstErr.Load())
	}
	if ok.Load() < 10 {
		t.Errorf("only %d handshakes ran; the loop did not exercise the swaps", ok.Load())
	}
	t.Logf("%d handshakes, %d failed, across 6 swaps", ok.Load(), failed.Load())
}

// TestTLSReloadKeepsCertificatesOnBadFile: a config reload naming a
// missing certificate file is rejected and the listener keeps serving;
// a good reload changes the certificate without a restart.
func TestTLSReloadCertificates(t *testing.T) {
	p := newPKI(t)
	c1, k1 := p.issue("one", certs.Leaf{CommonName: "one", DNS: []string{"api.test"}})
	c2, k2 := p.issue("two", certs.Leaf{CommonName: "two", DNS: []string{"api.test"}})
	up := echoServer(t, "up")
	yaml := `
listeners:
  - name: https
    addr: "127.0.0.1:0"
    tls:
      certificates: [{ cert: %s, key: %s }]
` + strings.ReplaceAll(tlsRouteConfig, "${UP}", up.URL)
	g := startGateway(t, fmt.Sprintf(yaml, c1, k1), nil)
	addr := g.addr
	conf := &tls.Config{RootCAs: p.pool}
	reload := func(y string) error { return g.g.ReloadBytes([]byte(y)) }

	if err := reload(fmt.Sprintf(yaml, p.dir+"/missing.pem", k1)); err == nil {
		t.Fatal("reload with a missing certificate file accepted")
	}
	if leaf, _, err := handshake(addr, "api.test", conf); err != nil || leaf.Subject.CommonName != "one" {
		t.Fatalf("after a rejected reload: %v, %v; want certificate one", err, leaf)
	}
	if err := reload(fmt.Sprintf(yaml, c2, k2)); err != nil {
		t.Fatal(err)
	}
	if leaf, _, err := handshake(addr, "api.test", conf); err != nil || leaf.Subject.CommonName != "two" {
		t.Fatalf("after reload: %v; want certificate two", err)
	}
	if _, err := os.Stat(c1); err != nil {
		t.Fatal(err)
	}
}

// TestTLSPlainHTTPOnTLSListener: a plain HTTP request to a TLS port gets
// no answer from a route (net/http answers 400 to the TLS-less client).
func TestTLSPlainHTTPOnTLSListener(t *testing.T) {
	p := newPKI(t)
	c, k := p.issue("api", certs.Leaf{DNS: []string{"api.test"}})
	up := echoServer(t, "up")
	g := startGateway(t, fmt.Sprintf(`
listeners:
  - name: https
    addr: "127.0.0.1:0"
    tls:
      certificates: [{ cert: %s, key: %s }]
`, c, k)+tlsRouteConfig, map[string]string{"UP": up.URL})
	conn, err := net.DialTimeout("tcp", g.addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(conn, "GET / HTTP/1.1\r\nHost: api.test\r\n\r\n")
	b, _ := io.ReadAll(conn)
	if strings.Contains(string(b), `"name":"up"`) {
		t.Errorf("plain HTTP on a TLS listener reached the service: %q", b)
	}
}

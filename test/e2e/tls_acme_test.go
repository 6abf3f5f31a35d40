package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/gatehouse/gatehouse/internal/certs"
	"github.com/gatehouse/gatehouse/internal/metrics"
)

// TestACMEAgainstPebble obtains certificates from pebble (Let's Encrypt's
// test CA, built from the module's tool dependency) with both challenge
// types validated for real: a test DNS server points the names at
// 127.0.0.1, and pebble's validation ports are the gateway's listeners.
func TestACMEAgainstPebble(t *testing.T) {
	if testing.Short() {
		t.Skip("builds pebble")
	}
	bin := buildPebble(t)
	dnsAddr := startTestDNS(t)
	plainPort, alpnPort, httpTLSPort, acmePort, mgmtPort := freePort(t), freePort(t), freePort(t), freePort(t), freePort(t)

	// pebble's own HTTPS certificate, from a CA the gateway is told to
	// trust with acme.ca_root.
	p := newPKI(t)
	pc, pk := p.issue("pebble", certs.Leaf{CommonName: "pebble", DNS: []string{"localhost"}, IPs: []net.IP{net.ParseIP("127.0.0.1")}})
	cfg := map[string]any{"pebble": map[string]any{
		"listenAddress":           fmt.Sprintf("127.0.0.1:%d", acmePort),
		"managementListenAddress": fmt.Sprintf("127.0.0.1:%d", mgmtPort),
		"certificate":             pc,
		"privateKey":              pk,
		"httpPort":                plainPort,
		"tlsPort":                 alpnPort,
		"ocspResponderURL":        "",
		"retryAfter":              map[string]int{"authz": 1, "order": 1},
	}}
	cfgFile := filepath.Join(t.TempDir(), "pebble.json")
	b, _ := json.Marshal(cfg)
	if err := os.WriteFile(cfgFile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-config", cfgFile, "-dnsserver", dnsAddr, "-strict=false")
	cmd.Env = append(os.Environ(), "PEBBLE_VA_NOSLEEP=1")
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
		if t.Failed() {
			t.Logf("pebble output:\n%s", out.String())
		}
	})
	waitTCP(t, fmt.Sprintf("127.0.0.1:%d", acmePort))

	storage := t.TempDir()
	up := echoServer(t, "up")
	g := startGateway(t, fmt.Sprintf(`
listeners:
  - name: plain
    addr: "127.0.0.1:%d"
  - name: alpn
    addr: "127.0.0.1:%d"
    tls:
      acme:
        email: ops@gatehouse.test
        domains: [alpn.gatehouse.test]
        ca: https://127.0.0.1:%d/dir
        ca_root: %s
        storage: %s/alpn
        challenges: [tls-alpn-01]
  - name: web
    addr: "127.0.0.1:%d"
    tls:
      acme:
        domains: [web.gatehouse.test]
        ca: https://127.0.0.1:%d/dir
        ca_root: %s
        storage: %s/web
        challenges: [http-01]
`, plainPort, alpnPort, acmePort, p.caFile, storage, httpTLSPort, acmePort, p.caFile, storage)+tlsRouteConfig, map[string]string{"UP": up.URL})
	_ = g

	roots := pebbleRoots(t, mgmtPort)
	for _, tc := range []struct{ name, addr string }{
		{"alpn.gatehouse.test", fmt.Sprintf("127.0.0.1:%d", alpnPort)},
		{"web.gatehouse.test", fmt.Sprintf("127.0.0.1:%d", httpTLSPort)},
	} {
		var leaf *x509.Certificate
		var lastErr error
		for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			if leaf, _, lastErr = handshake(tc.addr, tc.name, &tls.Config{RootCAs: roots}); lastErr == nil {
				break
			}
		}
		if lastErr != nil {
			t.Fatalf("%s: no certificate from pebble: %v", tc.name, lastErr)
		}
		if leaf.DNSNames[0] != tc.name {
			t.Errorf("%s: served certificate for %v", tc.name, leaf.DNSNames)
		}
		// The HTTPS request goes through with the obtained certificate.
		resp, err := httpsClient(roots, tc.name).Get("https://" + tc.addr + "/ok")
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: status %d", tc.name, resp.StatusCode)
		}
	}
	// Obtained certificates and the account are on disk.
	found := 0
	filepath.Walk(storage, func(path string, info os.FileInfo, err error) error {
		if err == nil && strings.HasSuffix(path, ".crt") {
			found++
		}
		return nil
	})
	if found < 2 {
		t.Errorf("%d certificates in storage; want both", found)
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if testutil.ToFloat64(metrics.TLSCertificateExpiry.WithLabelValues("alpn", "alpn.gatehouse.test")) > float64(time.Now().Unix()) {
			return
		}
	}
	t.Error("no expiry metric for the ACME certificate")
}

// buildPebble builds the pebble command of the module's tool dependency.
func buildPebble(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "pebble")
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	cmd := exec.Command(goBin, "build", "-o", bin, "github.com/letsencrypt/pebble/v2/cmd/pebble")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building pebble: %v\n%s", err, out)
	}
	return bin
}

// startTestDNS answers A queries for every name with 127.0.0.1, and
// everything else (AAAA, CAA) with no records.
func startTestDNS(t *testing.T) string {
	t.Helper()
	handler := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		for _, q := range r.Question {
			if q.Qtype == dns.TypeA {
				m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: net.ParseIP("127.0.0.1")})
			}
		}
		w.WriteMsg(m)
	})
	// pebble asks over TCP; UDP on the same port for good measure.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tcp := &dns.Server{Listener: ln, Handler: handler}
	go tcp.ActivateAndServe()
	t.Cleanup(func() { tcp.Shutdown() })
	if pc, err := net.ListenPacket("udp", ln.Addr().String()); err == nil {
		udp := &dns.Server{PacketConn: pc, Handler: handler}
		go udp.ActivateAndServe()
		t.Cleanup(func() { udp.Shutdown() })
	}
	return ln.Addr().String()
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitTCP(t *testing.T, addr string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return
		}
	}
	t.Fatalf("%s never listened", addr)
}

// pebbleRoots fetches the root pebble issues under from its management
// API (a fresh one each run).
func pebbleRoots(t *testing.T, mgmtPort int) *x509.CertPool {
	t.Helper()
	cl := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := cl.Get(fmt.Sprintf("https://127.0.0.1:%d/roots/0", mgmtPort))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		t.Fatalf("pebble root: %q", b)
	}
	// Issued chains end at an intermediate pebble also serves.
	resp2, err := cl.Get(fmt.Sprintf("https://127.0.0.1:%d/intermediates/0", mgmtPort))
	if err == nil {
		b2, _ := io.ReadAll(resp2.Body)
		resp2.Body.Close()
		pool.AppendCertsFromPEM(b2)
	}
	return pool
}

package e2e

import (
	"bufio"
	"crypto/x509"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestDemoBinaryTLS: `gatehouse demo -tls` serves HTTPS with a CA it
// makes and prints, and the printed curl line's request works with that
// CA over HTTP/2.
func TestDemoBinaryTLS(t *testing.T) {
	addr, admin, https := freeAddr(t), freeAddr(t), freeAddr(t)
	cmd := exec.Command(binary, "demo", "-tls", "-tls-dir", t.TempDir())
	cmd.Env = append(os.Environ(), "GATEHOUSE_ADDR="+addr, "GATEHOUSE_ADMIN_ADDR="+admin, "GATEHOUSE_HTTPS_ADDR="+https)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var caFile, curl string
	timeout := time.After(20 * time.Second)
	for curl == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("demo exited before printing the HTTPS lines")
			}
			if f, ok := strings.CutPrefix(strings.TrimSpace(l), "CA "); ok {
				caFile = strings.TrimSpace(f)
			}
			if strings.HasPrefix(strings.TrimSpace(l), "curl --cacert") {
				curl = strings.TrimSpace(l)
			}
		case <-timeout:
			t.Fatal("demo printed no HTTPS lines")
		}
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatalf("printed CA %q: %v", caFile, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("printed CA %q is not PEM", caFile)
	}
	_, port, _ := net.SplitHostPort(https)
	if !strings.Contains(curl, caFile) || !strings.Contains(curl, "https://localhost:"+port+"/health") {
		t.Fatalf("curl line %q does not use the CA and the HTTPS address", curl)
	}
	// curl resolves localhost; so does the test, through the loopback
	// address the listener is on.
	cl := httpsClient(pool, "localhost")
	cl.Transport.(interface{ CloseIdleConnections() }).CloseIdleConnections()
	resp, err := cl.Get("https://" + https + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("/health over HTTPS: %d", resp.StatusCode)
	}
}

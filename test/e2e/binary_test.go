package e2e

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gatehouse-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "gatehouse")
	build := exec.Command("go", "build", "-o", binary, "../../cmd/gatehouse")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building gatehouse:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// startBinary runs `gatehouse run -c cfg` and returns the process and the
// address its first listener bound (read from its log).
func startBinary(t *testing.T, cfg string) (*exec.Cmd, string, <-chan error) {
	t.Helper()
	if !strings.Contains(cfg, "\nadmin:") {
		cfg += "\nadmin:\n  addr: \"127.0.0.1:0\"\n"
	}
	cmd := exec.Command(binary, "run", "-c", writeFile(t, "gw.yaml", cfg))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addrCh := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil && m["msg"] == "listening" {
				addrCh <- m["addr"].(string)
			}
		}
	}()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })
	select {
	case a := <-addrCh:
		return cmd, a, done
	case err := <-done:
		t.Fatalf("gatehouse exited before listening: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("gatehouse did not start listening")
	}
	return nil, "", nil
}

func TestGracefulShutdownFinishesInFlight(t *testing.T) {
	arrived := make(chan struct{}, 1)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		time.Sleep(500 * time.Millisecond)
		io.WriteString(w, "finished")
	}))
	t.Cleanup(slow.Close)
	cmd, addr, done := startBinary(t, fmt.Sprintf(`
listeners: [{name: public, addr: "127.0.0.1:0", drain_timeout: 5s}]
access_log: {output: "off"}
services: [{name: slow, targets: [{url: %q}]}]
routes: [{name: r, match: {path_prefix: /}, service: slow}]
`, slow.URL))

	type result struct {
		body string
		err  error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := client.Get("http://" + addr + "/work")
		if err != nil {
			res <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		res <- result{string(b), err}
	}()
	<-arrived
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r := <-res
	if r.err != nil || r.body != "finished" {
		t.Fatalf("in-flight request: body %q err %v; want finished", r.body, r.err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v; want exit 0", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("gatehouse did not exit after SIGTERM")
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("listener still accepts connections after shutdown")
	}
}

func TestValidateCommand(t *testing.T) {
	bad := writeFile(t, "bad.yaml", `services:
  - name: orders
    targets: [{url: "http://127.0.0.1:3001"}]
routes:
  - name: r0
    match: {path_prefix: /api}
    service: ordrs
  - name: r1
    match: {path: api/x}
    service: orders
`)
	out, err := exec.Command(binary, "validate", bad).Output()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("validate bad: err %v; want exit 1", err)
	}
	want := []string{
		bad + `:7:14: routes[0].service: unknown service "ordrs" (did you mean "orders"?)`,
		bad + `:9:19: routes[1].match.path: must start with "/"`,
	}
	got := strings.Split(strings.TrimSpace(string(out)), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("validate output:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	good := writeFile(t, "good.yaml", `services: [{name: s, targets: [{url: "http://127.0.0.1:1"}]}]
routes: [{name: r, match: {path_prefix: /}, service: s}]
`)
	out, err = exec.Command(binary, "validate", good).Output()
	if err != nil {
		t.Fatalf("validate good: %v (%s)", err, out)
	}
	if !strings.Contains(string(out), "valid (1 listener, 1 service, 1 route)") {
		t.Errorf("validate good output %q; want a one-line summary", out)
	}
}

func TestHelpOnEveryCommand(t *testing.T) {
	for _, c := range []string{"run", "validate", "demo", "version"} {
		out, err := exec.Command(binary, c, "--help").Output()
		if err != nil {
			t.Errorf("%s --help: %v", c, err)
			continue
		}
		if !strings.Contains(string(out), "Usage: gatehouse "+c) {
			t.Errorf("%s --help printed %q; want its usage", c, out)
		}
	}
	out, err := exec.Command(binary, "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "gatehouse ") {
		t.Errorf("version: %q %v", out, err)
	}
}

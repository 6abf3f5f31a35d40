package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// runFile starts `gatehouse run -c file` with extra flags and returns its
// gateway address.
func runFile(t *testing.T, file string, flags ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"run", "-c", file}, flags...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil && m["msg"] == "listening" {
				addr <- m["addr"].(string)
			}
		}
	}()
	select {
	case a := <-addr:
		return cmd, a
	case <-time.After(10 * time.Second):
		t.Fatal("gatehouse did not start listening")
	}
	return nil, ""
}

func reloadFileConfig(upstream, path string) string {
	return fmt.Sprintf(`
listeners: [{name: public, addr: "127.0.0.1:0"}]
admin: {addr: "127.0.0.1:0"}
access_log: {output: "off"}
services: [{name: s, targets: [{url: %q}]}]
routes: [{name: r, match: {path: %q}, service: s}]
`, upstream, path)
}

func statusOf(t *testing.T, url string) int {
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// replaceFile swaps in new content by rename, as editors and config
// management tools do.
func replaceFile(t *testing.T, file, content string) {
	tmp := file + ".new"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, file); err != nil {
		t.Fatal(err)
	}
}

func TestReloadOnFileChange(t *testing.T) {
	up := echoServer(t, "echo")
	file := filepath.Join(t.TempDir(), "gw.yaml")
	os.WriteFile(file, []byte(reloadFileConfig(up.URL, "/old")), 0o600)
	_, addr := runFile(t, file)
	if code := statusOf(t, "http://"+addr+"/old"); code != 200 {
		t.Fatalf("/old = %d before the change", code)
	}
	replaceFile(t, file, reloadFileConfig(up.URL, "/new"))
	deadline := time.Now().Add(10 * time.Second)
	for statusOf(t, "http://"+addr+"/new") != 200 {
		if time.Now().After(deadline) {
			t.Fatal("file change was not applied within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code := statusOf(t, "http://"+addr+"/old"); code != 404 {
		t.Fatalf("/old = %d after the change; want 404", code)
	}
	// A broken file is rejected; the last good config keeps serving.
	replaceFile(t, file, "routes: [{match: {path: nope}}]\n")
	time.Sleep(300 * time.Millisecond) // give the watcher a chance to (wrongly) apply it
	if code := statusOf(t, "http://"+addr+"/new"); code != 200 {
		t.Fatalf("/new = %d after an invalid file; want the old config serving", code)
	}
}

func TestReloadOnSIGHUP(t *testing.T) {
	up := echoServer(t, "echo")
	file := filepath.Join(t.TempDir(), "gw.yaml")
	os.WriteFile(file, []byte(reloadFileConfig(up.URL, "/old")), 0o600)
	cmd, addr := runFile(t, file, "-watch=false")
	replaceFile(t, file, reloadFileConfig(up.URL, "/new"))
	time.Sleep(300 * time.Millisecond)
	if code := statusOf(t, "http://"+addr+"/new"); code != 404 {
		t.Fatalf("/new = %d before SIGHUP with -watch=false; want 404", code)
	}
	cmd.Process.Signal(syscall.SIGHUP)
	deadline := time.Now().Add(10 * time.Second)
	for statusOf(t, "http://"+addr+"/new") != 200 {
		if time.Now().After(deadline) {
			t.Fatal("SIGHUP did not reload within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

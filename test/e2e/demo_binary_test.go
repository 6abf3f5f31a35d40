package e2e

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// curlLine is one curl command from the README, parsed.
type curlLine struct {
	text    string // as written
	assign  string // VAR in VAR=$(curl ...), else ""
	method  string
	url     string // as written, e.g. localhost:8080/api/orders
	header  http.Header
	body    string
	comment string // after '#', trimmed
}

// readmeCurlLines extracts every curl line of the README's sh blocks.
func readmeCurlLines(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	inSh := false
	for _, l := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(l, "```sh"):
			inSh = true
		case strings.HasPrefix(l, "```"):
			inSh = false
		case inSh && strings.Contains(l, "curl "):
			out = append(out, strings.TrimSpace(l))
		}
	}
	return out
}

var assignRE = regexp.MustCompile(`^([A-Z_]+)=\$\((curl .*)\)(.*)$`)

// parseCurl understands the subset of shell and curl the README uses:
// quotes, $VAR, comments, -s -i -si -X -H -d. Anything else fails the
// test, so a README edit cannot silently go untested.
func parseCurl(t *testing.T, line string, vars map[string]string) curlLine {
	t.Helper()
	c := curlLine{text: line, method: "GET", header: http.Header{}}
	cmd := line
	if m := assignRE.FindStringSubmatch(line); m != nil {
		c.assign, cmd = m[1], m[2]+m[3]
	}
	words, comment := shellWords(t, cmd, vars)
	c.comment = comment
	if len(words) == 0 || words[0] != "curl" {
		t.Fatalf("README line %q is not a curl command", line)
	}
	for i := 1; i < len(words); i++ {
		w := words[i]
		arg := func() string {
			i++
			if i >= len(words) {
				t.Fatalf("README line %q: %s needs an argument", line, w)
			}
			return words[i]
		}
		switch {
		case w == "-s" || w == "-i" || w == "-si":
		case w == "-X":
			c.method = arg()
		case w == "-H":
			k, v, ok := strings.Cut(arg(), ":")
			if !ok {
				t.Fatalf("README line %q: bad header", line)
			}
			c.header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		case w == "-d":
			c.body = arg()
			if c.method == "GET" {
				c.method = "POST"
			}
			c.header.Set("Content-Type", "application/x-www-form-urlencoded")
		case strings.HasPrefix(w, "-"):
			t.Fatalf("README line %q: curl flag %s is not understood by this test", line, w)
		default:
			if c.url != "" {
				t.Fatalf("README line %q: two URLs", line)
			}
			c.url = w
		}
	}
	if c.url == "" {
		t.Fatalf("README line %q has no URL", line)
	}
	return c
}

// shellWords splits a command line into words, expanding $VAR outside
// single quotes, and returns the trailing comment.
func shellWords(t *testing.T, s string, vars map[string]string) ([]string, string) {
	t.Helper()
	var words []string
	var cur strings.Builder
	inWord := false
	expand := func(i int) int { // s[i] == '$'; returns the index after the name
		j := i + 1
		for j < len(s) && (s[j] == '_' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= '0' && s[j] <= '9') {
			j++
		}
		name := s[i+1 : j]
		v, ok := vars[name]
		if !ok {
			t.Fatalf("README line %q uses $%s before setting it", s, name)
		}
		cur.WriteString(v)
		return j
	}
	for i := 0; i < len(s); {
		switch ch := s[i]; {
		case ch == ' ' || ch == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
			i++
		case ch == '#' && !inWord:
			return words, strings.TrimSpace(s[i+1:])
		case ch == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				t.Fatalf("unclosed quote in %q", s)
			}
			cur.WriteString(s[i+1 : i+1+end])
			inWord, i = true, i+end+2
		case ch == '"':
			inWord = true
			i++
			for i < len(s) && s[i] != '"' {
				if s[i] == '$' {
					i = expand(i)
					continue
				}
				cur.WriteByte(s[i])
				i++
			}
			if i >= len(s) {
				t.Fatalf("unclosed quote in %q", s)
			}
			i++
		case ch == '$':
			inWord = true
			i = expand(i)
		default:
			inWord = true
			cur.WriteByte(ch)
			i++
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, ""
}

// wantStatus is the status a README line promises: the number its comment
// starts with, else 200.
func (c curlLine) wantStatus() int {
	if f := strings.Fields(c.comment); len(f) > 0 {
		if n, err := strconv.Atoi(strings.Trim(f[0], ",:")); err == nil {
			return n
		}
	}
	return http.StatusOK
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestDemoBinaryFollowsREADME runs `gatehouse demo` as a built binary,
// sends every curl line of the README as an HTTP request and checks the
// answer the README promises, then stops it with SIGTERM.
func TestDemoBinaryFollowsREADME(t *testing.T) {
	addr, admin := freeAddr(t), freeAddr(t)
	cmd := exec.Command(binary, "demo")
	cmd.Env = append(os.Environ(), "GATEHOUSE_ADDR="+addr, "GATEHOUSE_ADMIN_ADDR="+admin)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		var banner strings.Builder
		for sc.Scan() {
			banner.WriteString(sc.Text() + "\n")
			if strings.HasPrefix(sc.Text(), "Access log lines follow") {
				ready <- banner.String()
			}
		}
	}()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var banner string
	select {
	case banner = <-ready:
	case err := <-done:
		t.Fatalf("gatehouse demo exited before it was ready: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("gatehouse demo did not become ready")
	}
	if !strings.Contains(banner, "http://"+addr) || !strings.Contains(banner, "curl") {
		t.Fatalf("banner %q does not name the gateway at %s with curl lines", banner, addr)
	}

	lines := readmeCurlLines(t)
	if len(lines) < 10 {
		t.Fatalf("found %d curl lines in README.md; the extraction is broken", len(lines))
	}
	hosts := map[string]string{"localhost:8080": addr, "localhost:8081": admin}
	vars := map[string]string{}
	for _, line := range lines {
		c := parseCurl(t, line, vars)
		host, path, _ := strings.Cut(c.url, "/")
		real, ok := hosts[host]
		if !ok {
			t.Fatalf("README line %q: unknown host %s", line, host)
		}
		req, err := http.NewRequest(c.method, "http://"+real+"/"+path, strings.NewReader(c.body))
		if err != nil {
			t.Fatalf("README line %q: %v", line, err)
		}
		req.Header = c.header
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("README line %q: %v", line, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body := string(b)
		if c.assign != "" {
			vars[c.assign] = strings.TrimSpace(body)
		}
		if want := c.wantStatus(); resp.StatusCode != want {
			t.Errorf("README line %q: got %d %s; want %d", line, resp.StatusCode, body, want)
			continue
		}
		checkDemoAnswer(t, c, resp, body, path)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("gatehouse demo exited with %d after SIGTERM; want 0", ee.ExitCode())
		}
		if err != nil {
			t.Fatalf("gatehouse demo: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("gatehouse demo did not exit after SIGTERM")
	}
}

// checkDemoAnswer asserts what the README says about each answer, beyond
// its status.
func checkDemoAnswer(t *testing.T, c curlLine, resp *http.Response, body, path string) {
	t.Helper()
	fail := func(format string, a ...any) {
		t.Errorf("README line %q: %s (body %s)", c.text, fmt.Sprintf(format, a...), body)
	}
	if resp.StatusCode >= 400 {
		var e errorBody
		if json.Unmarshal([]byte(body), &e) != nil || e.Status != resp.StatusCode || e.RequestID == "" || e.Error == "" {
			fail("not the JSON error")
		}
	}
	if strings.Contains(c.comment, "Allow: POST") && resp.Header.Get("Allow") != "POST" {
		fail("Allow = %q; want POST", resp.Header.Get("Allow"))
	}
	if strings.Contains(c.comment, "WWW-Authenticate: Bearer") && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
		fail("WWW-Authenticate = %q; want Bearer", resp.Header.Get("WWW-Authenticate"))
	}
	if strings.Contains(c.comment, `error="invalid_token"`) && !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		fail("WWW-Authenticate = %q; want error=\"invalid_token\"", resp.Header.Get("WWW-Authenticate"))
	}
	if resp.StatusCode != http.StatusOK {
		return
	}
	switch {
	case path == "api/login":
		if !strings.Contains(body, `"token"`) {
			fail("no token in the login answer")
		}
	case path == "api/token":
		if strings.Count(strings.TrimSpace(body), ".") != 2 {
			fail("not a bare JWT")
		}
	case strings.HasPrefix(path, "api/orders"):
		if !strings.Contains(body, `"x_user_id": "alice"`) || !strings.Contains(body, "seen_by_service") {
			fail("the orders service did not see alice's identity")
		}
	case path == "api/charge":
		if !strings.Contains(body, `"x_consumer_name": "shop-frontend"`) || strings.Contains(body, "demo-shop-key") {
			fail("payments did not see the consumer, or saw the key")
		}
	case path == "health":
		if strings.TrimSpace(body) != `{"status":"ok"}` {
			fail("want {\"status\":\"ok\"}")
		}
	case strings.HasPrefix(path, "explain"):
		if !strings.Contains(body, "orders") {
			fail("explain does not name the route orders")
		}
	case path == "status":
		if !json.Valid([]byte(body)) {
			fail("status is not JSON")
		}
	}
}

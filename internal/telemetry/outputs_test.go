package telemetry

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

func TestRotatingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	f, err := openRotating(path, 100, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 12 {
		fmt.Fprintf(f, "line %02d %s\n", i, strings.Repeat("x", 20)) // 29 bytes
	}
	f.Close()
	// 3 lines per file: the newest in path, older in .1 and .2, the rest gone.
	want := map[string][]string{path: {"09", "10", "11"}, path + ".1": {"06", "07", "08"}, path + ".2": {"03", "04", "05"}}
	for file, lines := range want {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(got) != len(lines) {
			t.Fatalf("%s holds %d lines; want %d:\n%s", file, len(got), len(lines), b)
		}
		for i, l := range lines {
			if !strings.HasPrefix(got[i], "line "+l) {
				t.Errorf("%s line %d = %q; want line %s", file, i, got[i], l)
			}
		}
	}
	if _, err := os.Stat(path + ".3"); !os.IsNotExist(err) {
		t.Errorf("%s.3 exists; only 2 backups are kept", path)
	}
}

func droppedLines() float64 {
	m := &dto.Metric{}
	_ = metrics.AccessLogDropped.Write(m)
	return m.GetCounter().GetValue()
}

func logRequests(t *testing.T, al *AccessLog, n int) {
	t.Helper()
	for i := range n {
		r := httptestRequest(fmt.Sprintf("/p/%d", i))
		st := &pipeline.State{Start: time.Now(), RequestID: fmt.Sprint(i), Path: r.URL.Path}
		al.Log(r, st, 200, 10)
	}
}

func httptestRequest(path string) *http.Request { return httptest.NewRequest("GET", path, nil) }

func TestCollectorBatches(t *testing.T) {
	var mu sync.Mutex
	var posts int
	var lines []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != "application/x-ndjson" {
			t.Errorf("content type %q", r.Header.Get("Content-Type"))
		}
		sc := bufio.NewScanner(r.Body)
		mu.Lock()
		posts++
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		mu.Unlock()
	}))
	defer srv.Close()
	al, err := OpenAccessLog(config.AccessLog{Output: srv.URL + "/logs", BatchSize: 10, QueueSize: 100, FlushInterval: config.Duration(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	logRequests(t, al, 25)
	al.Close() // flushes the last, partial batch
	mu.Lock()
	defer mu.Unlock()
	if len(lines) != 25 || posts != 3 {
		t.Fatalf("collector got %d lines in %d posts; want 25 in 3", len(lines), posts)
	}
	if !strings.Contains(lines[24], `"path":"/p/24"`) {
		t.Fatalf("last line = %s", lines[24])
	}
}

// TestCollectorDropsWhenFull: a collector that does not answer fills the
// queue; further lines are dropped and counted, and logging never blocks.
func TestCollectorDropsWhenFull(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		<-release
	}))
	defer srv.Close()
	before := droppedLines()
	al, err := OpenAccessLog(config.AccessLog{Output: srv.URL, BatchSize: 1, QueueSize: 5, FlushInterval: config.Duration(time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		logRequests(t, al, 200)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("logging blocked on a stuck collector")
	}
	if d := droppedLines() - before; d < 150 {
		t.Fatalf("dropped %v lines; want most of 200 with a queue of 5", d)
	}
	close(release)
	al.Close()
}

func TestOpenAccessLogFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.log")
	al, err := OpenAccessLog(config.AccessLog{Output: path, MaxSizeMB: 1, MaxBackups: 1})
	if err != nil {
		t.Fatal(err)
	}
	logRequests(t, al, 3)
	al.Close()
	b, _ := os.ReadFile(path)
	if n := bytes.Count(b, []byte("\n")); n != 3 {
		t.Fatalf("file has %d lines; want 3", n)
	}
}

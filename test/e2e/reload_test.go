package e2e

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gateway"
	"github.com/gatehouse/gatehouse/internal/metrics"
)

const reloadBase = `
listeners:
  - name: public
    addr: "127.0.0.1:0"
services:
  - name: echo
    targets: [{url: "%s"}]
routes:
  - name: main
    match: {path_prefix: /api}
    service: echo
%s`

func reloadConfig(upstream, extra string) []byte {
	return []byte(fmt.Sprintf(reloadBase, upstream, extra))
}

func reloadCount(result string) float64 {
	m := &dto.Metric{}
	_ = metrics.ConfigReloads.WithLabelValues(result).Write(m)
	return m.GetCounter().GetValue()
}

// TestReloadUnderLoad reloads the config 50 times, every fifth time with
// an invalid config, while clients keep sending requests: none may fail,
// and a route added by a reload answers as soon as the reload returns.
func TestReloadUnderLoad(t *testing.T) {
	up := echoServer(t, "echo")
	g := startGateway(t, string(reloadConfig(up.URL, "")), nil)
	errorsBefore := reloadCount("error")

	stop := make(chan struct{})
	var sent, failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 10 * time.Second}
			deadline := time.Now().Add(60 * time.Second) // bound even if stop never comes
			for time.Now().Before(deadline) {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := client.Get(g.url("/api/x"))
				sent.Add(1)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("status %d", resp.StatusCode))
				}
			}
		}()
	}

	invalid := 0
	for i := range 50 {
		if i%5 == 4 {
			invalid++
			bad := reloadConfig(up.URL, "  - match: {path: /broken}\n    service: nowhere\n")
			err := g.g.ReloadBytes(bad)
			var ce *config.Errors
			if !errors.As(err, &ce) {
				t.Fatalf("reload %d: invalid config: err = %v; want *config.Errors", i, err)
			}
			if last := g.g.LastReload(); last == nil || last.Result != "error" || len(last.Errors) == 0 {
				t.Fatalf("reload %d: last reload = %+v; want result error with errors", i, last)
			}
			continue
		}
		extra := fmt.Sprintf("  - name: extra\n    match: {path: /extra-%d}\n    service: echo\n", i)
		if err := g.g.ReloadBytes(reloadConfig(up.URL, extra)); err != nil {
			t.Fatalf("reload %d: %v", i, err)
		}
		resp, _ := g.do("GET", fmt.Sprintf("/extra-%d", i), nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("reload %d: new route answered %d; want 200 right after the reload", i, resp.StatusCode)
		}
		if i > 0 {
			resp, _ = g.do("GET", fmt.Sprintf("/extra-%d", i-1), nil)
			if resp.StatusCode != http.StatusNotFound {
				t.Fatalf("reload %d: removed route answered %d; want 404", i, resp.StatusCode)
			}
		}
	}
	close(stop)
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Fatalf("%d of %d requests failed during reloads; first: %v", n, sent.Load(), firstErr.Load())
	}
	if sent.Load() == 0 {
		t.Fatal("no requests were sent")
	}
	if got := reloadCount("error") - errorsBefore; got != float64(invalid) {
		t.Fatalf("gateway_config_reload_total{result=error} grew by %v; want %d", got, invalid)
	}
	if err := g.g.ReloadBytes(reloadConfig(up.URL, "  - name: extra\n    match: {path: /extra-48}\n    service: echo\n")); !errors.Is(err, gateway.ErrUnchanged) {
		t.Fatalf("reload of the serving config: err = %v; want ErrUnchanged", err)
	}
}

// TestReloadKeepsStreams: a response still streaming on a route that the
// new config keeps is not cut by the reload.
func TestReloadKeepsStreams(t *testing.T) {
	release := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: first\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-time.After(20 * time.Second):
		}
		fmt.Fprint(w, "data: last\n\n")
	}))
	defer up.Close()
	g := startGateway(t, string(reloadConfig(up.URL, "")), nil)

	resp, err := http.Get(g.url("/api/events"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	if line, _ := br.ReadString('\n'); line != "data: first\n" {
		t.Fatalf("first line = %q", line)
	}
	for i := range 3 {
		extra := fmt.Sprintf("  - name: extra\n    match: {path: /extra-%d}\n    service: echo\n", i)
		if err := g.g.ReloadBytes(reloadConfig(up.URL, extra)); err != nil {
			t.Fatalf("reload: %v", err)
		}
	}
	close(release)
	rest, err := io.ReadAll(br)
	if err != nil {
		t.Fatalf("stream cut by reload: %v", err)
	}
	if !strings.Contains(string(rest), "data: last") {
		t.Fatalf("stream rest = %q; want the last event", rest)
	}
}

// TestReloadRefusesListenerChange: addresses belong to open sockets.
func TestReloadRefusesListenerChange(t *testing.T) {
	up := echoServer(t, "echo")
	g := startGateway(t, string(reloadConfig(up.URL, "")), nil)
	moved := strings.Replace(string(reloadConfig(up.URL, "")), "127.0.0.1:0", "127.0.0.1:1", 1)
	if err := g.g.ReloadBytes([]byte(moved)); err == nil || !strings.Contains(err.Error(), "restart") {
		t.Fatalf("err = %v; want a restart-needed error", err)
	}
	if resp, _ := g.do("GET", "/api/x", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("old config not serving after a rejected reload: %d", resp.StatusCode)
	}
}

// TestReloadKeepsConnectionPool: an unchanged service keeps its pooled
// keep-alive connections across a reload; a changed one gets a new pool.
func TestReloadKeepsConnectionPool(t *testing.T) {
	var conns atomic.Int64
	up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	up.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	up.Start()
	defer up.Close()
	g := startGateway(t, string(reloadConfig(up.URL, "")), nil)
	get := func() {
		t.Helper()
		if resp, _ := g.do("GET", "/api/x", nil); resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	get()
	for i := range 5 {
		extra := fmt.Sprintf("  - name: extra\n    match: {path: /extra-%d}\n    service: echo\n", i)
		if err := g.g.ReloadBytes(reloadConfig(up.URL, extra)); err != nil {
			t.Fatal(err)
		}
		get()
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("upstream saw %d connections over 6 requests and 5 reloads; want 1 (pool kept)", n)
	}
	changed := strings.Replace(string(reloadConfig(up.URL, "")), "targets: [{url: \"", "pool: {max_idle: 7}\n    targets: [{url: \"", 1)
	if err := g.g.ReloadBytes([]byte(changed)); err != nil {
		t.Fatal(err)
	}
	get()
	if n := conns.Load(); n != 2 {
		t.Fatalf("upstream saw %d connections after the pool settings changed; want 2", n)
	}
}

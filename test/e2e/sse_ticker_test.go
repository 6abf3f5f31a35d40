package e2e

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestSSETickerFlushThrough: an upstream emitting an event every 50ms for
// longer than the listener's 300ms write timeout. It holds back its last
// event until the client reports the first one, so a gateway that
// buffered the stream would deadlock here (and fail on the bound) instead
// of passing; and every event must arrive, in order, uncut.
func TestSSETickerFlushThrough(t *testing.T) {
	const events = 12 // 12 × 50ms: twice the write timeout
	firstSeen := make(chan struct{})
	finished := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(finished)
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for i := range events {
			if i == events-1 {
				select {
				case <-firstSeen:
				case <-time.After(10 * time.Second):
					return // the first event never got through: the client fails
				}
			}
			fmt.Fprintf(w, "id: %d\nevent: tick\ndata: {\"n\":%d}\n\n", i, i)
			w.(http.Flusher).Flush()
			select {
			case <-tick.C:
			case <-r.Context().Done():
				return
			}
		}
	}))
	t.Cleanup(up.Close)
	g := startGateway(t, streamRoute(up.URL), nil)

	resp, err := client.Get(g.url("/stream"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("status %d, Content-Type %q; want 200 text/event-stream", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	br := bufio.NewReader(resp.Body)
	for i := range events {
		var ev []string
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatalf("event %d cut after %q: %v", i, ev, err)
			}
			if line == "\n" {
				break
			}
			ev = append(ev, strings.TrimSuffix(line, "\n"))
		}
		want := []string{fmt.Sprintf("id: %d", i), "event: tick", fmt.Sprintf(`data: {"n":%d}`, i)}
		if strings.Join(ev, "|") != strings.Join(want, "|") {
			t.Fatalf("event %d = %q; want %q", i, ev, want)
		}
		if i == 0 {
			select {
			case <-finished:
				t.Fatal("the first event arrived only after the upstream had finished")
			default:
			}
			close(firstSeen)
		}
	}
	if rest, err := br.ReadString('\n'); rest != "" || err == nil {
		t.Fatalf("after the last event: %q, %v; want the end of the stream", rest, err)
	}
}

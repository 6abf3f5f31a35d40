package telemetry

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/metrics"
)

// collector sends access log lines to an HTTP endpoint in batches
// (newline-delimited JSON). Lines wait in a bounded queue; when it is full
// a line is dropped and counted, so a slow or dead collector never slows
// a request.
type collector struct {
	url      string
	batch    int
	interval time.Duration
	queue    chan []byte
	client   *http.Client
	done     chan struct{}
	once     sync.Once
	stop     chan struct{}
}

func newCollector(url string, batch, queue int, interval time.Duration) *collector {
	c := &collector{
		url: url, batch: batch, interval: interval,
		queue:  make(chan []byte, queue),
		client: &http.Client{Timeout: 5 * time.Second},
		done:   make(chan struct{}),
		stop:   make(chan struct{}),
	}
	go c.run()
	return c
}

// Write queues one line; slog hands each record over in one Write.
func (c *collector) Write(p []byte) (int, error) {
	line := append([]byte(nil), p...)
	select {
	case c.queue <- line:
	default:
		metrics.AccessLogDropped.Inc()
	}
	return len(p), nil
}

func (c *collector) run() {
	defer close(c.done)
	var buf bytes.Buffer
	n := 0
	tick := time.NewTicker(c.interval)
	defer tick.Stop()
	flush := func() {
		if n > 0 {
			c.send(buf.Bytes(), n)
		}
		buf.Reset()
		n = 0
	}
	for {
		select {
		case line := <-c.queue:
			buf.Write(line)
			if n++; n >= c.batch {
				flush()
			}
		case <-tick.C:
			flush()
		case <-c.stop:
			for {
				select {
				case line := <-c.queue:
					buf.Write(line)
					if n++; n >= c.batch {
						flush()
					}
				default:
					flush()
					return
				}
			}
		}
	}
}

// send posts one batch, retrying once; a batch that cannot be delivered
// is dropped and counted.
func (c *collector) send(body []byte, lines int) {
	for attempt := 0; attempt < 2; attempt++ {
		if err := c.post(body); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	metrics.AccessLogDropped.Add(float64(lines))
}

func (c *collector) post(body []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("collector answered %d", resp.StatusCode)
	}
	return nil
}

// Close sends what is queued and stops.
func (c *collector) Close() error {
	c.once.Do(func() { close(c.stop) })
	<-c.done
	return nil
}

package proxy

import (
	"context"
	"time"
)

// The idle pool keeps connections per host, newest last: a request takes
// the newest (warmest, least likely closed by the service), and the reaper
// closes from the oldest end.

// conn returns a connection to host: a pooled one that passes the idle
// check, else a new one. reused says which.
func (t *h1Transport) conn(ctx context.Context, host string) (*h1Conn, bool, error) {
	now := time.Now()
	t.mu.Lock()
	for cs := t.idle[host]; len(cs) > 0; cs = t.idle[host] {
		c := cs[len(cs)-1]
		cs[len(cs)-1] = nil
		t.idle[host] = cs[:len(cs)-1]
		if t.idleFor > 0 && now.Sub(c.idleAt) > t.idleFor {
			c.nc.Close()
			continue
		}
		t.mu.Unlock()
		if c.reusable() {
			return c, true, nil
		}
		c.nc.Close()
		t.mu.Lock()
	}
	t.mu.Unlock()
	nc, err := t.dialer.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, false, err
	}
	return newH1Conn(nc), false, nil
}

// put returns c to the pool; the caller has checked that its exchange
// ended cleanly.
func (t *h1Transport) put(host string, c *h1Conn) {
	c.idleAt = time.Now()
	t.mu.Lock()
	if len(t.idle[host]) < t.maxIdle && !t.closed {
		t.idle[host] = append(t.idle[host], c)
		c = nil
		if t.reaper == nil && t.idleFor > 0 {
			t.reaper = time.AfterFunc(t.idleFor, t.reap)
		}
	}
	t.mu.Unlock()
	if c != nil {
		c.nc.Close()
	}
}

// reap closes the connections idle for longer than idleFor, so a pool
// does not hold sockets the service has long given up on, and runs again
// when the next one is due. It runs only while something is pooled.
func (t *h1Transport) reap() {
	now := time.Now()
	var stale []*h1Conn
	t.mu.Lock()
	var next time.Time
	for host, cs := range t.idle {
		i := 0
		for i < len(cs) && now.Sub(cs[i].idleAt) >= t.idleFor {
			stale = append(stale, cs[i])
			i++
		}
		if i == len(cs) {
			delete(t.idle, host)
			continue
		}
		if i > 0 {
			t.idle[host] = append(cs[:0], cs[i:]...)
			clear(cs[len(cs)-i:])
		}
		if due := cs[0].idleAt.Add(t.idleFor); next.IsZero() || due.Before(next) {
			next = due
		}
	}
	if next.IsZero() || t.closed {
		t.reaper = nil
	} else {
		t.reaper.Reset(max(next.Sub(now), 10*time.Millisecond))
	}
	t.mu.Unlock()
	for _, c := range stale {
		c.nc.Close()
	}
}

// idleCount is the number of pooled connections (for tests).
func (t *h1Transport) idleCount() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, cs := range t.idle {
		n += len(cs)
	}
	return n
}

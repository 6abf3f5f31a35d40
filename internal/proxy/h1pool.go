package proxy

import (
	"context"
	"slices"
	"time"
)

// hostPool is one target's connections. The idle list keeps the newest
// last: a request takes the newest (warmest, least likely closed by the
// service), and the reaper closes from the oldest end. open counts every
// connection of the target (idle, busy and being dialled) against
// max_conns; waiters queue for a place when it is reached.
type hostPool struct {
	idle    []*h1Conn
	open    int
	waiters []chan struct{}
}

func (t *h1Transport) hostLocked(host string) *hostPool {
	hp := t.hosts[host]
	if hp == nil {
		hp = &hostPool{}
		t.hosts[host] = hp
	}
	return hp
}

// conn returns a connection to host: a pooled one that passes the idle
// check, else a new one, waiting for a place when the target is at
// max_conns. reused says which.
func (t *h1Transport) conn(ctx context.Context, host string) (*h1Conn, bool, error) {
	for {
		now := time.Now()
		t.mu.Lock()
		hp := t.hostLocked(host)
		for len(hp.idle) > 0 {
			c := hp.idle[len(hp.idle)-1]
			hp.idle[len(hp.idle)-1] = nil
			hp.idle = hp.idle[:len(hp.idle)-1]
			if t.idleFor > 0 && now.Sub(c.idleAt) > t.idleFor {
				t.dropLocked(hp, c)
				continue
			}
			t.mu.Unlock()
			if c.reusable() {
				return c, true, nil
			}
			t.mu.Lock()
			t.dropLocked(hp, c)
		}
		if t.maxConns <= 0 || hp.open < t.maxConns {
			hp.open++
			t.mu.Unlock()
			nc, err := t.dialer.DialContext(ctx, "tcp", host)
			if err != nil {
				t.mu.Lock()
				hp.open--
				t.wakeLocked(hp)
				t.mu.Unlock()
				return nil, false, err
			}
			return newH1Conn(nc, host), false, nil
		}
		// At max_conns: wait for a connection to come back or close.
		ch := make(chan struct{})
		hp.waiters = append(hp.waiters, ch)
		t.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			t.mu.Lock()
			if i := slices.Index(hp.waiters, ch); i >= 0 {
				hp.waiters = slices.Delete(hp.waiters, i, i+1)
			} else {
				t.wakeLocked(hp) // woken as ctx ended: pass the place on
			}
			t.mu.Unlock()
			return nil, false, ctx.Err()
		}
	}
}

// wakeLocked lets the longest waiter of hp look again.
func (t *h1Transport) wakeLocked(hp *hostPool) {
	if len(hp.waiters) > 0 {
		close(hp.waiters[0])
		hp.waiters = slices.Delete(hp.waiters, 0, 1)
	}
}

// dropLocked closes c and frees its place.
func (t *h1Transport) dropLocked(hp *hostPool, c *h1Conn) {
	c.nc.Close()
	hp.open--
	t.wakeLocked(hp)
}

// drop closes a connection that will not be pooled.
func (t *h1Transport) drop(c *h1Conn) {
	t.mu.Lock()
	t.dropLocked(t.hostLocked(c.host), c)
	t.mu.Unlock()
}

// put returns c to the pool; the caller has checked that its exchange
// ended cleanly.
func (t *h1Transport) put(c *h1Conn) {
	c.idleAt = time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	hp := t.hostLocked(c.host)
	if len(hp.idle) >= t.maxIdle || t.closed {
		t.dropLocked(hp, c)
		return
	}
	hp.idle = append(hp.idle, c)
	t.wakeLocked(hp)
	if t.reaper == nil && t.idleFor > 0 {
		t.reaper = time.AfterFunc(t.idleFor, t.reap)
	}
}

// settle pools a connection only after a short rest and a second look.
// A service that answered without reading the request body (and so will
// parse the body as its next request), or that sends a body after a
// HEAD, 204 or 304 answer, shows itself within moments; pooled at once,
// the connection could hand those bytes to the next client's request.
//
// The rest scales with how long the service took to answer this request:
// a service that answered slowly (a loaded machine, a busy service) also
// answers a smuggled second request slowly, so a fixed rest would be
// beaten exactly when the gateway is busiest.
func (t *h1Transport) settle(c *h1Conn) {
	rest := min(max(settleFor, settleFactor*c.answeredIn), maxSettle)
	time.AfterFunc(rest, func() {
		if c.reusable() {
			t.put(c)
			return
		}
		t.drop(c)
	})
}

// settleFor is the least rest of a connection before it is pooled again;
// the rest is settleFactor times the service's answer time, at most
// maxSettle.
const (
	settleFor    = 2 * time.Millisecond
	settleFactor = 4
	maxSettle    = 100 * time.Millisecond
)

// reap closes the connections idle for longer than idleFor, so a pool
// does not hold sockets the service has long given up on, and runs again
// when the next one is due. It runs only while something is pooled.
func (t *h1Transport) reap() {
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	var next time.Time
	for _, hp := range t.hosts {
		i := 0
		for i < len(hp.idle) && now.Sub(hp.idle[i].idleAt) >= t.idleFor {
			t.dropLocked(hp, hp.idle[i])
			i++
		}
		if i > 0 {
			n := copy(hp.idle, hp.idle[i:])
			clear(hp.idle[n:])
			hp.idle = hp.idle[:n]
		}
		if len(hp.idle) == 0 {
			continue
		}
		if due := hp.idle[0].idleAt.Add(t.idleFor); next.IsZero() || due.Before(next) {
			next = due
		}
	}
	if next.IsZero() || t.closed {
		t.reaper = nil
		return
	}
	t.reaper.Reset(max(next.Sub(now), 10*time.Millisecond))
}

// CloseIdleConnections closes pooled connections of both transports.
func (t *h1Transport) CloseIdleConnections() {
	t.mu.Lock()
	for _, hp := range t.hosts {
		for _, c := range hp.idle {
			t.dropLocked(hp, c)
		}
		clear(hp.idle)
		hp.idle = hp.idle[:0]
	}
	t.mu.Unlock()
	t.fallback.CloseIdleConnections()
}

// idleCount is the number of pooled connections (for tests).
func (t *h1Transport) idleCount() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, hp := range t.hosts {
		n += len(hp.idle)
	}
	return n
}

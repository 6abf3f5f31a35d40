package proxy

import (
	"context"
	"net/http/httptrace"
	"sync"
	"time"
)

// tryTimers bound one try: the connect timer runs until a connection is
// had, then the response-header timer; the per-try timer covers both.
type tryTimers struct {
	cancel context.CancelCauseFunc
	pol    *Resilience

	mu      sync.Mutex
	perTry  *time.Timer
	phase   *time.Timer
	stopped bool
}

func startTryTimers(ctx context.Context, pol *Resilience) (*tryTimers, context.Context) {
	ctx, cancel := context.WithCancelCause(ctx)
	tm := &tryTimers{cancel: cancel, pol: pol}
	if pol.Retry != nil && pol.Retry.PerTry > 0 {
		tm.perTry = time.AfterFunc(pol.Retry.PerTry, func() { cancel(errPerTryTimeout) })
	}
	if pol.Connect > 0 || pol.ResponseHeader > 0 {
		if pol.Connect > 0 {
			tm.phase = time.AfterFunc(pol.Connect, func() { cancel(errConnTimeout) })
		}
		ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: tm.gotConn})
	}
	return tm, ctx
}

func (tm *tryTimers) gotConn(httptrace.GotConnInfo) {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	if tm.stopped {
		return
	}
	if tm.phase != nil {
		tm.phase.Stop()
		tm.phase = nil
	}
	if d := tm.pol.ResponseHeader; d > 0 {
		tm.phase = time.AfterFunc(d, func() { tm.cancel(errHeaderTimeout) })
	}
}

func (tm *tryTimers) stop() {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	tm.stopped = true
	if tm.perTry != nil {
		tm.perTry.Stop()
	}
	if tm.phase != nil {
		tm.phase.Stop()
	}
}

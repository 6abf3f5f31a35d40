package proxy

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/pipeline"
	"github.com/gatehouse/gatehouse/internal/upstream"
	"github.com/prometheus/client_golang/prometheus"
)

// Resilience is a route's compiled retry, timeout and fallback settings.
type Resilience struct {
	Retry *upstream.RetryPolicy
	// Connect and ResponseHeader bound each try's phases; Overall bounds
	// all tries up to the response headers. Zero: no bound here (the
	// service's transport timeouts still apply).
	Connect, ResponseHeader, Overall time.Duration
	// Fallback replaces the error when the service cannot answer; nil
	// sends the JSON error.
	Fallback *Fallback
}

var defaultResilience = &Resilience{Retry: upstream.NoRetries}

// Hash sources of consistent hashing.
const (
	HashClientIP = iota
	HashHeader
	HashCookie
)

// HashOn says where a request's consistent-hashing key comes from.
type HashOn struct {
	Source int
	Name   string
}

// UseUpstream makes s send every attempt through u: target choice per
// try, breaker, bulkhead, retries and health reporting wrap whatever
// RoundTripper s already has. It takes a reference on u that Close gives
// back.
func (s *Service) UseUpstream(u *upstream.Upstream, hash HashOn) {
	u.Acquire()
	s.up = u
	s.rp.Transport = &resilientTransport{
		next:    s.rp.Transport,
		up:      u,
		hash:    hash,
		hashing: u.Algorithm() == upstream.ConsistentHash,
		retries: metrics.UpstreamRetries.WithLabelValues(u.Name()),
	}
	s.rp.ErrorHandler = handleAttemptError
}

// Upstream is the service's upstream state, nil for a plain pool.
func (s *Service) Upstream() *upstream.Upstream { return s.up }

// resilientTransport is a RoundTripper that turns one proxied request into
// one or more attempts, each on a target chosen for it.
type resilientTransport struct {
	next    http.RoundTripper
	up      *upstream.Upstream
	hash    HashOn
	hashing bool
	retries prometheus.Counter
}

// Errors the gateway answers itself, with Retry-After.
var (
	errPerTryTimeout = errors.New("per-try timeout")
	errConnTimeout   = errors.New("connect timeout")
	errHeaderTimeout = errors.New("response header timeout")
	errOverall       = errors.New("route timeout")
)

func unavailable(msg string, retryAfter int, cause error) *pipeline.Error {
	return &pipeline.Error{
		Status: http.StatusServiceUnavailable,
		Msg:    msg,
		Err:    cause,
		Header: http.Header{"Retry-After": {strconv.Itoa(retryAfter)}},
	}
}

// attemptError marks an error of the attempts (not of a response
// policy), so the route's fallback may replace it.
type attemptError struct{ err error }

func (e attemptError) Error() string { return e.err.Error() }
func (e attemptError) Unwrap() error { return e.err }

// clientError is a failure on the client's side of the request (its body
// could not be read); the route's fallback does not replace it.
type clientError struct{ pe *pipeline.Error }

func (e clientError) Error() string { return e.pe.Error() }
func (e clientError) Unwrap() error { return e.pe }

func (rt *resilientTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	st := pipeline.FromRequest(req)
	pol := defaultResilience
	if st != nil {
		if r, ok := st.Runtime.(*Route); ok && r.Resilience != nil {
			pol = r.Resilience
		}
	}
	u := rt.up
	if !u.Bulkhead.Acquire() {
		return nil, attemptError{unavailable("service at its concurrency limit", 1, nil)}
	}
	u.Budget.Start()

	ctx := req.Context()
	var (
		overall *time.Timer
		cancel  context.CancelCauseFunc
	)
	if pol.Overall > 0 {
		ctx, cancel = context.WithCancelCause(ctx)
		overall = time.AfterFunc(pol.Overall, func() { cancel(errOverall) })
	}
	resp, end, err := rt.attempts(ctx, req, pol, st)
	if overall != nil {
		overall.Stop()
	}
	if err != nil {
		finishRequest(u, cancel)
		var ce clientError
		switch {
		case errors.As(err, &ce):
			return nil, ce.pe // the client's fault: no fallback
		case errors.Is(context.Cause(ctx), errOverall) && req.Context().Err() == nil:
			err = pipeline.Wrap(http.StatusGatewayTimeout, "upstream timed out", errOverall)
		}
		return nil, attemptError{err}
	}
	if resp.StatusCode == http.StatusSwitchingProtocols {
		// An upgraded connection's body must stay the ReadWriteCloser the
		// reverse proxy expects; the request counts as finished here.
		end.done()
		finishRequest(u, cancel)
		return resp, nil
	}
	resp.Body = &exchangeBody{ReadCloser: resp.Body, try: end, up: u, cancel: cancel}
	return resp, nil
}

// attempts runs the tries of one request. The returned tryEnd still holds
// the answering target's in-flight count.
func (rt *resilientTransport) attempts(ctx context.Context, req *http.Request, pol *Resilience, st *pipeline.State) (*http.Response, tryEnd, error) {
	u := rt.up
	p := pol.Retry
	var key uint64
	if rt.hashing {
		key = upstream.HashKey(rt.hashKey(req, st))
	}
	replay := p.Attempts > 1
	var body []byte
	if replay {
		var err error
		if body, replay, err = bufferBody(req, p.ReplayLimit); err != nil {
			return nil, tryEnd{}, clientError{pipeline.Wrap(http.StatusBadRequest, "could not read the request body", err)}
		}
	}
	var tried upstream.Tried
	t := u.Pick(key, tried)
	if t == nil {
		return nil, tryEnd{}, unavailable("no healthy upstream", u.RetryAfter(), nil)
	}
	ok, probe, wait := true, false, time.Duration(0)
	if u.Breaker != nil {
		ok, probe, wait = u.Breaker.Allow()
	}
	if !ok {
		return nil, tryEnd{}, unavailable("service unavailable (circuit open)", retryAfter(wait), nil)
	}
	path, host := req.URL.Path, req.Host
	retrying := false
	for n := 1; ; n++ {
		out := req
		if n > 1 {
			out = req.Clone(ctx)
			if body != nil {
				out.Body = newReplayBody(body)
			}
		}
		out.URL.Scheme, out.URL.Host = t.Scheme, t.Host
		out.URL.Path = joinBase(t.BasePath, path)
		out.Host = host
		if host == "" && t.HostHeader != "" {
			out.Host = t.HostHeader
		}

		resp, end, failure, err := rt.try(ctx, out, t, pol)
		if retrying {
			u.Budget.RetryDone()
			retrying = false
		}
		clientGone := req.Context().Err() != nil
		success := err == nil && resp.StatusCode < 500
		if u.Breaker != nil {
			if clientGone && err != nil {
				u.Breaker.Release(probe)
			} else {
				u.Breaker.Record(probe, success)
			}
		}
		if !clientGone {
			u.Report(t, success)
		}
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		retry := n < p.Attempts && replay && !clientGone && ctx.Err() == nil && p.ShouldRetry(req.Method, failure, status)
		var next *upstream.Target
		if retry {
			tried.Add(t)
			next = u.Pick(key, tried)
			retry = next != nil
		}
		probe = false
		if retry && u.Breaker != nil {
			retry, probe, _ = u.Breaker.Allow()
		}
		if retry && !u.Budget.TryRetry() {
			if u.Breaker != nil {
				u.Breaker.Release(probe)
			}
			retry = false
		}
		if !retry {
			return resp, end, err
		}
		if resp != nil {
			discard(resp)
			end.done()
		}
		rt.retries.Inc()
		retrying = true
		if !sleep(ctx, p.Backoff.Delay(n)) {
			u.Budget.RetryDone()
			if u.Breaker != nil {
				u.Breaker.Release(probe)
			}
			if err == nil {
				err = context.Cause(ctx)
			}
			return nil, tryEnd{}, err
		}
		t = next
	}
}

// try sends one attempt to t. On success the returned tryEnd ends t's
// in-flight count and the try's timers once the response is done with.
func (rt *resilientTransport) try(ctx context.Context, out *http.Request, t *upstream.Target, pol *Resilience) (*http.Response, tryEnd, upstream.Failure, error) {
	var tm *tryTimers
	if pol.Retry.PerTry > 0 || pol.Connect > 0 || pol.ResponseHeader > 0 {
		tm, ctx = startTryTimers(ctx, pol)
	}
	if ctx != out.Context() {
		out = out.WithContext(ctx)
	}
	t.Begin()
	resp, err := rt.next.RoundTrip(out)
	if tm != nil {
		tm.stop()
	}
	if err == nil {
		end := tryEnd{target: t}
		if tm != nil {
			end.cancel = tm.cancel
		}
		return resp, end, upstream.NoFailure, nil
	}
	t.End()
	f := failureOf(err)
	if tm != nil {
		switch cause := context.Cause(ctx); cause {
		case errConnTimeout:
			f = upstream.ConnectFailure
			err = pipeline.Wrap(http.StatusGatewayTimeout, "upstream connect timed out", cause)
		case errPerTryTimeout, errHeaderTimeout:
			f = upstream.Timeout
			err = pipeline.Wrap(http.StatusGatewayTimeout, "upstream timed out", cause)
		}
		tm.cancel(nil)
	}
	return nil, tryEnd{}, f, err
}

// failureOf sorts a transport error: no connection (the request never
// left), a timeout, or anything else after sending (a reset).
func failureOf(err error) upstream.Failure {
	switch {
	case isDial(err), errors.Is(err, syscall.ECONNREFUSED):
		return upstream.ConnectFailure
	case errors.Is(err, context.DeadlineExceeded):
		return upstream.Timeout
	}
	var te interface{ Timeout() bool }
	if errors.As(err, &te) && te.Timeout() {
		return upstream.Timeout
	}
	return upstream.Reset
}

func (rt *resilientTransport) hashKey(req *http.Request, st *pipeline.State) string {
	switch rt.hash.Source {
	case HashHeader:
		if v := req.Header.Get(rt.hash.Name); v != "" {
			return v
		}
	case HashCookie:
		if c, err := req.Cookie(rt.hash.Name); err == nil && c.Value != "" {
			return c.Value
		}
	}
	if st != nil {
		return st.ClientIP
	}
	return req.RemoteAddr
}

// joinBase puts a target's base path in front of the routed path.
func joinBase(base, p string) string {
	switch {
	case base == "":
		return p
	case p == "/" || p == "":
		return base + "/"
	}
	return base + p
}

func retryAfter(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	return max(s, 1)
}

// sleep waits d unless ctx ends first; it reports whether it waited.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

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
	if d := pol.Retry.PerTry; d > 0 {
		tm.perTry = time.AfterFunc(d, func() { cancel(errPerTryTimeout) })
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

// handleAttemptError answers a request whose attempts failed: with the
// route's fallback when it has one (and the client is still there), else
// with the gateway's JSON error.
func handleAttemptError(w http.ResponseWriter, r *http.Request, err error) {
	if st := pipeline.FromRequest(r); st != nil && !st.UpstreamStart.IsZero() && st.UpstreamLatency == 0 {
		st.UpstreamLatency = time.Since(st.UpstreamStart)
	}
	var ae attemptError
	if errors.As(err, &ae) && r.Context().Err() == nil {
		if f := fallbackOf(r); f != nil {
			if st := pipeline.FromRequest(r); st != nil {
				st.Err = err
			}
			f.write(w, r)
			return
		}
	}
	var pe *pipeline.Error
	if errors.As(err, &pe) {
		pipeline.WriteError(w, r, pe)
		return
	}
	handleError(w, r, err)
}

func fallbackOf(r *http.Request) *Fallback {
	st := pipeline.FromRequest(r)
	if st == nil {
		return nil
	}
	if rt, ok := st.Runtime.(*Route); ok && rt.Resilience != nil {
		return rt.Resilience.Fallback
	}
	return nil
}

package proxy

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/pipeline"
	"github.com/gatehouse/gatehouse/internal/upstream"
)

// Resilience is a route's compiled retry, timeout and fallback settings.
type Resilience struct {
	// Retry is nil for no retries.
	Retry *upstream.RetryPolicy
	// Connect and ResponseHeader bound each try's phases; Overall bounds
	// all tries up to the response headers. Zero: no bound here (the
	// service's transport timeouts still apply).
	Connect, ResponseHeader, Overall time.Duration
	// Fallback replaces the error when the service cannot answer; nil
	// sends the JSON error.
	Fallback *Fallback
}

// exchange is what one proxied request holds on its service until the
// response body is closed: the attempt (a bulkhead slot, a place in the
// retry budget, the answering target's in-flight count, which
// least_requests and bounded-load hashing read), the timers' contexts and
// the body memory it took. As the response body it is handed to the
// client side, so a long download counts as load. One allocation per
// request.
type exchange struct {
	io.ReadCloser
	a         upstream.Attempt
	cancel    context.CancelCauseFunc // the overall timer's context
	tryCancel context.CancelCauseFunc // the answering try's timers
	mem       *BodyMemory
	held      int64
	ended     atomic.Bool
}

func (e *exchange) Close() error {
	err := e.ReadCloser.Close()
	e.end()
	return err
}

func (e *exchange) end() {
	if e.ended.Swap(true) {
		return
	}
	e.endTry()
	e.a.End()
	if e.cancel != nil {
		e.cancel(nil)
	}
	e.mem.give(e.held)
}

func (e *exchange) endTry() {
	if e.tryCancel != nil {
		e.tryCancel(nil)
		e.tryCancel = nil
	}
}

// routeTransport lets ReverseProxy (upgrades) send through the route's
// attempts.
type routeTransport struct{ rt *Route }

func (t routeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return t.rt.roundTrip(req, pipeline.FromRequest(req), nil)
}

// Errors the gateway answers itself.
var (
	errPerTryTimeout = errors.New("per-try timeout")
	errConnTimeout   = errors.New("connect timeout")
	errHeaderTimeout = errors.New("response header timeout")
	errOverall       = errors.New("route timeout")
)

// attemptError marks a failure to get an answer from the service, which
// the route's fallback may replace.
type attemptError struct{ err error }

func (e attemptError) Error() string { return e.err.Error() }
func (e attemptError) Unwrap() error { return e.err }

// clientError is a failure on the client's side of the request; no
// fallback replaces it and nothing counts it against the service.
type clientError struct{ pe *pipeline.Error }

func (e clientError) Error() string { return e.pe.Error() }
func (e clientError) Unwrap() error { return e.pe }

// roundTrip turns one proxied request into one or more tries, each on a
// target the attempt picks. cb is the client's body as sent (nil when
// there is none or it is not ours to watch).
func (rt *Route) roundTrip(req *http.Request, st *pipeline.State, cb *clientBody) (*http.Response, error) {
	svc := rt.Service
	ex := &exchange{mem: rt.BodyMemory}
	var key uint64
	if svc.hashing {
		key = upstream.HashKey(svc.hashKey(req, st))
	}
	if err := svc.up.Start(&ex.a, req.Method, key, rt.Resilience.Retry); err != nil {
		return nil, attemptError{svc.refusal(err)}
	}
	ctx := req.Context()
	var overall *time.Timer
	if d := rt.Resilience.Overall; d > 0 {
		ctx, ex.cancel = context.WithCancelCause(ctx)
		cancel := ex.cancel
		overall = time.AfterFunc(d, func() { cancel(errOverall) })
	}
	resp, err := rt.tries(ctx, req, st, cb, ex)
	if overall != nil {
		overall.Stop()
	}
	if err != nil {
		ex.end()
		var ce clientError
		switch {
		case cb.fault() != nil:
			return nil, clientError{clientFault(cb.fault())}
		case errors.As(err, &ce):
			return nil, err
		case errors.Is(context.Cause(ctx), errOverall) && req.Context().Err() == nil:
			err = pipeline.Wrap(http.StatusGatewayTimeout, "upstream timed out", errOverall)
		}
		return nil, attemptError{err}
	}
	if resp.StatusCode == http.StatusSwitchingProtocols {
		// An upgraded connection's body must stay the ReadWriteCloser the
		// reverse proxy expects; the request counts as finished here.
		ex.end()
		return resp, nil
	}
	ex.ReadCloser = resp.Body
	resp.Body = ex
	return resp, nil
}

// tries runs the tries of one request until one answers, the attempt
// says there is no other, or ctx ends.
func (rt *Route) tries(ctx context.Context, req *http.Request, st *pipeline.State, cb *clientBody, ex *exchange) (*http.Response, error) {
	svc, a := rt.Service, &ex.a
	body, err := rt.keepBody(req, ex)
	if err != nil {
		return nil, err
	}
	a.Replayable = req.Body == nil || req.Body == http.NoBody || body != nil
	path, host := req.URL.Path, req.Host
	for {
		t, err := a.Next()
		if err != nil {
			return nil, svc.refusal(err)
		}
		out := req
		if a.Tries() > 1 {
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

		resp, failure, err := rt.try(ctx, out, ex)
		o := upstream.Outcome{Failure: failure, Final: ctx.Err() != nil}
		if resp != nil {
			o.Status = resp.StatusCode
		}
		if err != nil {
			// A try cut by the client says nothing of the service.
			o.ClientFault = cb.fault() != nil || req.Context().Err() != nil
			if !o.ClientFault {
				svc.failed(failure)
			}
		}
		retry, delay := a.Report(o)
		if !retry {
			return resp, err
		}
		if resp != nil {
			discard(resp)
			ex.endTry()
		}
		svc.retries.Inc()
		if !sleep(ctx, delay) {
			a.Abandon()
			if err == nil {
				err = context.Cause(ctx)
			}
			return nil, err
		}
	}
}

// try sends one try to the target out is aimed at. On success the try's
// timers stay with ex until the response is done with.
func (rt *Route) try(ctx context.Context, out *http.Request, ex *exchange) (*http.Response, upstream.Failure, error) {
	pol := rt.Resilience
	var tm *tryTimers
	if (pol.Retry != nil && pol.Retry.PerTry > 0) || pol.Connect > 0 || pol.ResponseHeader > 0 {
		tm, ctx = startTryTimers(ctx, pol)
	}
	if ctx != out.Context() {
		out = out.WithContext(ctx)
	}
	resp, err := rt.Service.transport.RoundTrip(out)
	if tm != nil {
		tm.stop()
	}
	if err == nil {
		if tm != nil {
			ex.tryCancel = tm.cancel
		}
		return resp, upstream.NoFailure, nil
	}
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
	return nil, f, err
}

// refusal is the answer when the attempt refuses to send: the service is
// full, has no target in rotation, or its circuit is open.
func (s *Service) refusal(err error) error {
	var open *upstream.CircuitOpenError
	switch {
	case errors.Is(err, upstream.ErrFull):
		return unavailable("service at its concurrency limit", 1, nil)
	case errors.Is(err, upstream.ErrNoTarget):
		return unavailable("no healthy upstream", s.up.RetryAfter(), nil)
	case errors.As(err, &open):
		return unavailable("service unavailable (circuit open)", retryAfter(open.Wait), nil)
	}
	return err
}

func unavailable(msg string, retryAfter int, cause error) *pipeline.Error {
	return &pipeline.Error{
		Status: http.StatusServiceUnavailable,
		Msg:    msg,
		Err:    cause,
		Header: http.Header{"Retry-After": {strconv.Itoa(retryAfter)}},
	}
}

func (s *Service) hashKey(req *http.Request, st *pipeline.State) string {
	switch s.hash.Source {
	case HashHeader:
		if v := req.Header.Get(s.hash.Name); v != "" {
			return v
		}
	case HashCookie:
		if c, err := req.Cookie(s.hash.Name); err == nil && c.Value != "" {
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

// discard drops a response that will be retried, reading a little of it
// so a short body does not cost the connection.
func discard(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
	resp.Body.Close()
}

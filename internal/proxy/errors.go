package proxy

import (
	"context"
	"errors"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/gatehouse/gatehouse/internal/pipeline"
	"github.com/gatehouse/gatehouse/internal/upstream"
)

// StatusClientClosed is logged when the client went away before the
// response (nginx's 499). It is never sent.
const StatusClientClosed = 499

// fail answers a request the proxy could not complete: the client's own
// fault as such (400, 408, 413; a client that left is only recorded),
// else the route's fallback when it has one and the client is still
// there, else the gateway's JSON error.
func (rt *Route) fail(w http.ResponseWriter, r *http.Request, err error) {
	st := pipeline.FromRequest(r)
	var ce clientError
	if errors.As(err, &ce) {
		if st != nil {
			st.Err = err
		}
		if ce.pe.Status == StatusClientClosed {
			if st != nil {
				st.ClientGone = true
			}
			return
		}
		pipeline.WriteError(w, r, ce.pe)
		return
	}
	if st != nil && !st.UpstreamStart.IsZero() && st.UpstreamLatency == 0 {
		st.UpstreamLatency = time.Since(st.UpstreamStart)
	}
	var ae attemptError
	// A gRPC client could not read a fallback body: it gets the status.
	if f := rt.Resilience.Fallback; f != nil && errors.As(err, &ae) && r.Context().Err() == nil && !pipeline.IsGRPC(r) {
		if st != nil {
			st.Err = err
		}
		f.write(w, r)
		return
	}
	handleError(w, r, err)
}

// handleError turns a failed upstream call into the gateway's JSON error:
// 504 when the upstream was too slow, 502 when it could not be reached or
// answered garbage; a vanished client is only recorded.
func handleError(w http.ResponseWriter, r *http.Request, err error) {
	st := pipeline.FromRequest(r)
	if r.Context().Err() != nil && errors.Is(err, context.Canceled) {
		if st != nil {
			st.ClientGone = true
			st.Err = err
		}
		return
	}
	var pe *pipeline.Error
	if errors.As(err, &pe) {
		pipeline.WriteError(w, r, pe)
		return
	}
	pipeline.WriteError(w, r, classify(err))
}

func classify(err error) *pipeline.Error {
	var ne net.Error
	switch {
	case isCertificate(err):
		// The one cause an operator must see at once: the log says which
		// certificate check failed.
		return pipeline.Wrap(http.StatusBadGateway, "upstream TLS certificate rejected", err)
	case errors.Is(err, context.DeadlineExceeded):
		return pipeline.Wrap(http.StatusGatewayTimeout, "upstream timed out", err)
	case isDial(err) && errors.As(err, &ne) && ne.Timeout():
		return pipeline.Wrap(http.StatusGatewayTimeout, "upstream connect timed out", err)
	case isDial(err), errors.Is(err, syscall.ECONNREFUSED):
		return pipeline.Wrap(http.StatusBadGateway, "upstream unavailable", err)
	case errors.As(err, &ne) && ne.Timeout():
		return pipeline.Wrap(http.StatusGatewayTimeout, "upstream timed out", err)
	default:
		return pipeline.Wrap(http.StatusBadGateway, "bad gateway", err)
	}
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

func isDial(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

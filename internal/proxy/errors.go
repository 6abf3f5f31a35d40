package proxy

import (
	"context"
	"errors"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// StatusClientClosed is logged when the client went away before the
// response (nginx's 499). It is never sent.
const StatusClientClosed = 499

// handleError turns a failed upstream call into the gateway's JSON error:
// 504 when the upstream was too slow, 502 when it could not be reached or
// answered garbage; a vanished client is only recorded.
func handleError(w http.ResponseWriter, r *http.Request, err error) {
	st := pipeline.FromRequest(r)
	if st != nil && !st.UpstreamStart.IsZero() && st.UpstreamLatency == 0 {
		st.UpstreamLatency = time.Since(st.UpstreamStart)
	}
	if r.Context().Err() != nil && errors.Is(err, context.Canceled) {
		if st != nil {
			st.ClientGone = true
			st.Err = err
		}
		return
	}
	pipeline.WriteError(w, r, classify(err))
}

func classify(err error) *pipeline.Error {
	var ne net.Error
	switch {
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

func isDial(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

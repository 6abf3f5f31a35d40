package pipeline

import (
	"context"
	"net/http"
	"time"
)

// Capture is a named capture of a regex route.
type Capture struct{ Name, Value string }

// State is the per-request facts policies share, put in the request
// context once by the gateway handler and recycled after the access log.
type State struct {
	Start     time.Time
	RequestID string
	// ClientIP is the resolved client address (through trusted proxies).
	ClientIP string
	// Scheme is "http" or "https" as the client used it (or a trusted
	// proxy said).
	Scheme string
	// Host is the request host, as matched.
	Host string
	// Path is the normalised path that was routed.
	Path     string
	Route    string
	Service  string
	Captures []Capture
	// AcceptEncoding is the client's Accept-Encoding as it arrived: a
	// policy may remove it from the request to the service (to read the
	// body), and the compress policy still answers what the client takes.
	AcceptEncoding []string
	// UpstreamPath, when a policy sets it, is the path the service gets
	// in place of the one strip_prefix or rewrite would give.
	UpstreamPath string

	// Filled while the request runs, read by the access log.
	UpstreamStart   time.Time
	UpstreamLatency time.Duration
	Err             error
	ClientGone      bool
	// GRPCStatus is a gRPC call's grpc-status as the client got it
	// (empty for other requests, or when none was sent).
	GRPCStatus string

	// Peer is the address of the TCP peer; PeerTrusted says it is one of
	// the listener's trusted proxies, so its X-Forwarded-* were believed.
	Peer        string
	PeerTrusted bool

	// Consumer is the authenticated identity, nil for anonymous requests.
	// Set by the authentication phase, read by authorization, rate
	// limiting, logs and metrics.
	Consumer *Consumer
	// Credential identifies the credential that authenticated the request
	// (for example "key:" + a hash prefix, or "jwt:" + issuer + subject),
	// never the secret itself. Rate limiting may key on it.
	Credential string
	// CredentialRefused says an authentication policy refused a
	// credential the client presented (wrong password, bad token): a
	// failed authentication, as failed_auth_limit counts them. A missing
	// credential is not one.
	CredentialRefused bool
	// Claims are the verified token claims (JWT or introspection), nil
	// when no token was presented.
	Claims map[string]any
	// TraceID is the W3C trace id of the request when tracing is on.
	TraceID string

	// Writer is the client's response writer as the gateway wrapped it.
	Writer http.ResponseWriter
}

type stateKey struct{}

// Reset zeroes st for the next request, keeping its captures' storage.
// The gateway owns every State (one per exchange it recycles) and calls
// it once the request is logged.
func (st *State) Reset() {
	caps := st.Captures[:0]
	*st = State{Captures: caps}
}

// WithState returns r carrying st in its context.
func WithState(r *http.Request, st *State) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
}

// FromRequest returns the State of r, or nil outside the gateway handler.
func FromRequest(r *http.Request) *State { return FromContext(r.Context()) }

// FromContext returns the State in ctx, or nil.
func FromContext(ctx context.Context) *State {
	st, _ := ctx.Value(stateKey{}).(*State)
	return st
}

// Capture returns the named capture's value.
func (st *State) Capture(name string) (string, bool) {
	for _, c := range st.Captures {
		if c.Name == name {
			return c.Value, true
		}
	}
	return "", false
}

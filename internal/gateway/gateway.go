// Package gateway assembles a running gatehouse: the current Runtime, the
// listeners and the access log. The CLI and the end-to-end tests use it.
package gateway

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/certs"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/runtime"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/statepool"
	"github.com/gatehouse/gatehouse/internal/telemetry"
)

// Gateway is one running gatehouse process's serving part.
type Gateway struct {
	holder    *runtime.Holder
	server    *server.Server
	accessLog *telemetry.AccessLog
	cfg       *config.Config
	logger    *slog.Logger
	tracer    *telemetry.Tracer
	// state outlives runtimes: a reload hands it to the next one.
	state *statepool.Pool
	file  string
	// fromFile: file can be re-read and written (see Options.FromFile).
	fromFile bool
	// runtimeOpts are the Options every Build of this gateway uses.
	runtimeOpts runtime.Options

	reloadMu sync.Mutex // serialises reloads; guards cfg and hash
	hash     string
	last     atomic.Pointer[ReloadResult]
	source   atomic.Pointer[[]byte]
	retire   chan retired
	closed   bool // retire is closed: the gateway is shutting down
	drained  chan struct{}
	started  time.Time
	// drainTimeout is fixed at start: listeners cannot change on reload.
	drainTimeout time.Duration
	// tls is the certificate manager of each TLS listener (see tls.go).
	tls map[string]*certs.Manager
}

// Options for New.
type Options struct {
	// File is the config file name, for error messages.
	File   string
	Logger *slog.Logger
	// AccessLog overrides the config's access_log output (tests).
	AccessLog *telemetry.AccessLog
	// Hash identifies the config's bytes (see Hash); a reload to the
	// same hash is skipped.
	Hash string
	// Source is the config's text, shown (redacted) and edited by the
	// admin API.
	Source []byte
	// FromFile says File is a real file: reloads read it and admin edits
	// save to it. Off for the demo's embedded config and for tests.
	FromFile bool
}

// New builds the runtime for cfg and prepares (but does not bind) the
// listeners.
func New(cfg *config.Config, o Options) (*Gateway, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	al := o.AccessLog
	if al == nil {
		var err error
		if al, err = telemetry.OpenAccessLog(cfg.AccessLog); err != nil {
			return nil, err
		}
	}
	state := statepool.New()
	ro := runtime.Options{Logger: o.Logger, State: state}
	// One observer per gateway: metrics always, the access log when on.
	ro.AccessLog = telemetry.NewObserver(al)
	tracer, err := telemetry.NewTracer(context.Background(), cfg.Tracing)
	if err != nil {
		al.Close()
		return nil, err
	}
	if tracer != nil {
		ro.Tracer = tracer
	}
	rt, err := runtime.Build(cfg, o.File, ro)
	if err != nil {
		al.Close()
		_ = tracer.Shutdown(context.Background())
		return nil, err
	}
	rt.CommitState()
	g := &Gateway{holder: runtime.NewHolder(rt), accessLog: al, cfg: cfg, logger: o.Logger, state: state,
		tracer: tracer, file: o.File, fromFile: o.FromFile, runtimeOpts: ro, drainTimeout: server.DrainTimeout(cfg.Listeners), hash: o.Hash, started: time.Now(),
		retire: make(chan retired, 64), drained: make(chan struct{})}
	g.server = server.New(cfg.Listeners, g.listenerHandler, o.Logger)
	if err := g.setupTLS(cfg.Listeners); err != nil {
		rt.Close()
		al.Close()
		_ = tracer.Shutdown(context.Background())
		return nil, err
	}
	if o.Source != nil {
		g.source.Store(&o.Source)
	}
	go g.drainRetired()
	return g, nil
}

func (g *Gateway) runtimeOptions() runtime.Options { return g.runtimeOpts }

// Started is when the gateway was created, for the admin status.
func (g *Gateway) Started() time.Time { return g.started }

// Start binds the listeners and serves in the background.
func (g *Gateway) Start() error {
	if err := g.server.Start(); err != nil {
		return err
	}
	return g.startACME()
}

// Addr is the bound address of the named listener.
func (g *Gateway) Addr(listener string) net.Addr { return g.server.Addr(listener) }

// UDPAddr is the bound HTTP/3 address of the named listener, or nil.
func (g *Gateway) UDPAddr(listener string) net.Addr { return g.server.UDPAddr(listener) }

// Errors reports listeners that failed while serving.
func (g *Gateway) Errors() <-chan error { return g.server.Errors() }

// Shutdown drains in-flight requests (bounded by ctx) and releases
// everything.
func (g *Gateway) Shutdown(ctx context.Context) error {
	err := g.server.Shutdown(ctx)
	g.reloadMu.Lock()
	if !g.closed {
		g.closed = true
		close(g.retire)
	}
	g.reloadMu.Unlock()
	select {
	case <-g.drained:
	case <-ctx.Done():
	}
	g.holder.Load().Close()
	g.closeTLS()
	_ = g.tracer.Shutdown(ctx)
	g.accessLog.Close()
	return err
}

// DrainContext returns a context bounded by the config's drain timeout.
func (g *Gateway) DrainContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), g.drainTimeout)
}

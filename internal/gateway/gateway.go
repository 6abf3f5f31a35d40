// Package gateway assembles a running gatehouse: the current Runtime, the
// listeners and the access log. The CLI and the end-to-end tests use it.
package gateway

import (
	"context"
	"log/slog"
	"net"

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
	// state outlives runtimes: a reload hands it to the next one.
	state *statepool.Pool
}

// Options for New.
type Options struct {
	// File is the config file name, for error messages.
	File   string
	Logger *slog.Logger
	// AccessLog overrides the config's access_log output (tests).
	AccessLog *telemetry.AccessLog
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
		if al, err = telemetry.OpenAccessLog(cfg.AccessLog.Output); err != nil {
			return nil, err
		}
	}
	state := statepool.New()
	ro := runtime.Options{Logger: o.Logger, State: state}
	if al != nil {
		ro.AccessLog = al
	}
	rt, err := runtime.Build(cfg, o.File, ro)
	if err != nil {
		al.Close()
		return nil, err
	}
	rt.CommitState()
	g := &Gateway{holder: runtime.NewHolder(rt), accessLog: al, cfg: cfg, logger: o.Logger, state: state}
	g.server = server.New(cfg.Listeners, g.holder.Handler, o.Logger)
	return g, nil
}

// Start binds the listeners and serves in the background.
func (g *Gateway) Start() error { return g.server.Start() }

// Addr is the bound address of the named listener.
func (g *Gateway) Addr(listener string) net.Addr { return g.server.Addr(listener) }

// Errors reports listeners that failed while serving.
func (g *Gateway) Errors() <-chan error { return g.server.Errors() }

// Shutdown drains in-flight requests (bounded by ctx) and releases
// everything.
func (g *Gateway) Shutdown(ctx context.Context) error {
	err := g.server.Shutdown(ctx)
	g.holder.Load().Close()
	g.accessLog.Close()
	return err
}

// DrainContext returns a context bounded by the config's drain timeout.
func (g *Gateway) DrainContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), server.DrainTimeout(g.cfg.Listeners))
}

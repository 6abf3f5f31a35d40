// Package runtime compiles a Config into an immutable Runtime (router,
// per-route policy chains, upstream services) and serves requests with it.
// A reload builds a new Runtime beside the old one and swaps a pointer.
package runtime

import (
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
	"github.com/gatehouse/gatehouse/internal/proxy"
	"github.com/gatehouse/gatehouse/internal/router"
	"github.com/gatehouse/gatehouse/internal/statepool"
	"github.com/gatehouse/gatehouse/internal/upstream"
)

// AccessLogger writes one line per finished request.
type AccessLogger interface {
	Log(r *http.Request, st *pipeline.State, status int, bytes int64)
}

// Tracer starts a request's trace before routing; the span ends after
// the response with the final status.
type Tracer interface {
	Start(r *http.Request, st *pipeline.State) pipeline.Span
}

// Options are the process-wide things a Runtime uses but does not own.
type Options struct {
	Logger    *slog.Logger
	AccessLog AccessLogger
	// Tracer, when set, traces every request (see telemetry.Tracer).
	Tracer Tracer
	// State carries policy and upstream state across reloads. Nil: every
	// Build starts fresh.
	State *statepool.Pool
}

// Runtime is one compiled config. It never changes after Build.
type Runtime struct {
	Config    *config.Config
	table     *router.Table
	routes    []*route
	services  map[string]*proxy.Service
	listeners map[string]*listener
	decodeSep bool
	strip     map[string]bool // strip_headers, canonical
	// bodyMemory caps request bodies held in memory, across reloads.
	bodyMemory *proxy.BodyMemory
	opts       Options
	// gen is this build's generation of opts.State (nil without one).
	gen *statepool.Gen
	// inflight counts requests being served, for draining after a swap.
	inflight atomic.Int64
	// unrouted runs the global pre-route policies for a 404 (nil: none).
	unrouted *pipeline.PreRoute
}

type route struct {
	name    string
	service string
	chain   *pipeline.Chain
	proxy   *proxy.Route
	// pre runs the route's pre-route policies when the route missed only
	// by method (nil: none).
	pre *pipeline.PreRoute
}

type listener struct {
	trust          *proxy.Trust
	healthPath     string
	maxHeaderCount int
	writeTimeout   time.Duration
}

// Build compiles cfg. cfg must have passed config validation; policy
// settings are decoded and validated here, and every problem is returned
// as *config.Errors positioned in the file.
func Build(cfg *config.Config, file string, opts Options) (_ *Runtime, err error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	var gen *statepool.Gen
	if opts.State != nil {
		gen = opts.State.Begin()
		defer func() {
			if err != nil {
				gen.Abort()
			}
		}()
	}
	scopes, errs := DecodePolicies(cfg)
	if len(errs) > 0 {
		return nil, &config.Errors{File: file, List: cfg.Locate(errs)}
	}
	rt := &Runtime{
		Config:    cfg,
		services:  map[string]*proxy.Service{},
		listeners: map[string]*listener{},
		decodeSep: cfg.Paths.EncodedSeparators == "decode",
		strip:     stripSet(cfg.StripHeaders),
		opts:      opts,
		gen:       gen,
	}
	defer func() {
		if err != nil {
			rt.Close() // give back the upstream state this build took
		}
	}()
	if rt.bodyMemory, err = statepool.Get(gen, fmt.Sprintf("body-memory|%d", cfg.Proxy.BodyMemoryBytes), func() (*proxy.BodyMemory, error) {
		return proxy.NewBodyMemory(int64(cfg.Proxy.BodyMemoryBytes)), nil
	}); err != nil {
		return nil, err
	}
	for _, l := range cfg.Listeners {
		trust, err := proxy.ParseTrust(l.TrustedProxies)
		if err != nil {
			return nil, fmt.Errorf("listener %q: trusted_proxies: %w", l.Name, err)
		}
		hp := l.HealthPath
		if hp == "off" {
			hp = ""
		}
		rt.listeners[l.Name] = &listener{trust: trust, healthPath: hp, maxHeaderCount: l.MaxHeaderCount, writeTimeout: l.Timeouts.Write.D()}
	}
	for i, s := range cfg.Services {
		svc, err := buildService(gen, i, s, opts.Logger)
		if err != nil {
			return nil, err
		}
		rt.services[s.Name] = svc
	}
	specs := make([]router.Spec, len(cfg.Routes))
	for i, rc := range cfg.Routes {
		r, err := rt.buildRoute(i, rc, scopes)
		if err != nil {
			return nil, err
		}
		rt.routes = append(rt.routes, r)
		specs[i] = routerSpec(rc, i)
	}
	if rt.unrouted, err = pipeline.BuildPreRoute(pipeline.Merge(pipeline.Defaults(), scopes.Global),
		pipeline.BuildContext{Logger: opts.Logger, Config: cfg, State: gen}); err != nil {
		return nil, err
	}
	table, err := router.Compile(specs)
	if err != nil {
		return nil, err
	}
	rt.table = table
	return rt, nil
}

// buildService binds a service's upstream state and connection pool,
// both taken from the state pool so that a reload keeps what did not
// change: health, breaker and budget state while the targets and their
// settings stay, open connections while the name and pool settings stay.
func buildService(gen *statepool.Gen, i int, s config.Service, logger *slog.Logger) (*proxy.Service, error) {
	tlsConf, tlsDigest, err := upstreamTLS(i, s, logger)
	if err != nil {
		return nil, fmt.Errorf("service %q: %w", s.Name, err)
	}
	opts := proxy.TransportOptions{
		Connect:         s.Timeouts.Connect.D(),
		Response:        s.Timeouts.Response.D(),
		Idle:            s.Timeouts.Idle.D(),
		MaxIdle:         s.Pool.MaxIdle,
		MaxConns:        s.Pool.MaxConns,
		MaxResponseHead: int64(s.MaxResponseHeaderBytes),
		Protocol:        s.Protocol,
	}
	// The key holds the TLS digest, not the pointer, which differs per build.
	key := fmt.Sprintf("transport|%s|%+v|%s", s.Name, opts, tlsDigest)
	opts.TLS = tlsConf
	kept, err := statepool.Get(gen, key, func() (*keptTransport, error) {
		return &keptTransport{proxy.NewPoolTransport(opts)}, nil
	})
	if err != nil {
		return nil, err
	}
	up, err := statepool.Get(gen, upstreamStateKey(s), func() (*upstream.Upstream, error) {
		targets, err := buildTargets(s)
		if err != nil {
			return nil, err
		}
		settings := upstreamSettings(s)
		if settings.Health != nil {
			settings.Health.Transport = healthTransport(opts)
		}
		return upstream.New(targets, settings)
	})
	if err != nil {
		return nil, fmt.Errorf("service %q: %w", s.Name, err)
	}
	return proxy.NewService(proxy.ServiceSettings{
		Name: s.Name, Upstream: up, Transport: kept.Transport, Hash: hashOn(s.HashOn), Logger: logger,
	}), nil
}

// keptTransport lets the state pool close a connection pool no runtime
// uses any more.
type keptTransport struct{ proxy.Transport }

func (k *keptTransport) Close() error {
	k.Transport.Close()
	return nil
}

func (rt *Runtime) buildRoute(i int, rc config.Route, scopes *Scopes) (*route, error) {
	settings := proxy.RouteSettings{
		Service:      rt.services[rc.Service],
		StripPrefix:  rc.StripPrefix,
		PreserveHost: rc.PreserveHost,
		Resilience:   routeResilience(rc, serviceConfig(rt.Config, rc.Service)),
		BufferBody:   int64(rc.BufferRequestBytes),
		BodyMemory:   rt.bodyMemory,
		GRPCWeb:      rc.GRPCWeb,
	}
	if rc.Rewrite != "" {
		settings.Rewrite = proxy.CompilePathTemplate(rc.Rewrite)
	}
	var pr *proxy.Route
	terminal := func(response []pipeline.ResponsePolicy) pipeline.Handler {
		pr = proxy.NewRoute(settings, response)
		return pr.Serve
	}
	list := pipeline.Merge(pipeline.Defaults(), scopes.Global, scopes.Services[rc.Service], scopes.Routes[i])
	bc := pipeline.BuildContext{
		Route: rc.Name, Service: rc.Service, Logger: rt.opts.Logger,
		Config: rt.Config, State: rt.gen,
	}
	chain, err := pipeline.BuildFor(list, terminal, bc)
	if err != nil {
		return nil, err
	}
	pre, err := pipeline.BuildPreRoute(list, bc)
	if err != nil {
		return nil, err
	}
	return &route{name: rc.Name, service: rc.Service, chain: chain, proxy: pr, pre: pre}, nil
}

func routerSpec(rc config.Route, i int) router.Spec {
	m := rc.Match
	conv := func(vs []config.ValueMatch) []router.HeaderMatch {
		out := make([]router.HeaderMatch, len(vs))
		for j, v := range vs {
			out[j] = router.HeaderMatch{Name: v.Name, Value: v.Value, Regex: v.Regex, Present: v.Present}
		}
		return out
	}
	return router.Spec{
		Hosts:      m.Hosts,
		Path:       m.Path,
		PathPrefix: m.PathPrefix,
		PathRegex:  m.PathRegex,
		Methods:    m.Methods,
		Headers:    conv(m.Headers),
		Query:      conv(m.Query),
		Value:      i,
	}
}

// CommitState hands the state this runtime uses over from the previous
// generation and closes what no longer has a user. Call it once the
// previous runtime has drained (or right away for the first runtime).
func (rt *Runtime) CommitState() {
	if rt.gen != nil {
		rt.gen.Commit()
	}
}

// Close releases the runtime's idle upstream connections. Call it after
// the runtime has been swapped out and drained.
func (rt *Runtime) Close() {
	for _, s := range rt.services {
		if rt.gen != nil {
			s.Release() // the pool is shared through the state pool
		} else {
			s.Close()
		}
	}
}

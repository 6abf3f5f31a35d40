package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/gatehouse/gatehouse/internal/admin"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gateway"
)

const runHelp = `Usage: gatehouse run -c FILE

Serves the gateway described by FILE (YAML or JSON) until SIGTERM or
SIGINT, then stops accepting connections, lets in-flight requests finish
(up to each listener's drain_timeout) and exits 0.

The config is reloaded without dropping a request when FILE changes, on
SIGHUP, and through the admin API. A config with errors is rejected and
the serving one stays; see docs/operations.md.`

func runCmd(args []string, stdout, stderr io.Writer) int {
	f := newFlags("run", runHelp, stdout, stderr)
	file := f.String("c", "", "config file (required)")
	level := f.String("log-level", "info", "log level: debug, info, warn, error")
	watch := f.Bool("watch", true, "reload when the config file changes (SIGHUP and the admin API always can)")
	if code, done := f.parse(args); done {
		return code
	}
	if *file == "" {
		fmt.Fprintln(stderr, "gatehouse run: -c FILE is required")
		return 2
	}
	logger, err := newLogger(stderr, *level)
	if err != nil {
		fmt.Fprintf(stderr, "gatehouse run: %v\n", err)
		return 2
	}
	data, err := os.ReadFile(*file)
	if err != nil {
		fmt.Fprintf(stderr, "gatehouse run: %v\n", err)
		return 1
	}
	cfg, err := config.Parse(data, *file)
	if err != nil {
		printConfigError(stderr, *file, err)
		return 1
	}
	watchFile = *watch
	return serve(cfg, *file, data, true, logger, stderr, nil)
}

// serve runs a gateway for cfg until a signal or a listener failure.
// ready, if set, is called once the listeners are bound.
// watchFile is the run command's -watch flag.
var watchFile = true

// fromFile means file is a real file: it is watched and SIGHUP reloads
// it.
func serve(cfg *config.Config, file string, source []byte, fromFile bool, logger *slog.Logger, stderr io.Writer, ready func(*gateway.Gateway)) int {
	tuneGC()
	g, err := gateway.New(cfg, gateway.Options{File: file, Logger: logger, Hash: gateway.Hash(source), Source: source, FromFile: fromFile})
	if err != nil {
		printConfigError(stderr, file, err)
		return 1
	}
	// Signals are caught before the listeners open: a SIGTERM that arrives
	// once "listening" is logged must drain, not kill the process.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)
	hup := make(chan os.Signal, 1)
	if fromFile {
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
	}
	if err := g.Start(); err != nil {
		fmt.Fprintf(stderr, "gatehouse: %v\n", err)
		return 1
	}
	adm, err := startAdmin(g, cfg, logger)
	if err != nil {
		fmt.Fprintf(stderr, "gatehouse: admin: %v\n", err)
		ctx, cancel := g.DrainContext()
		defer cancel()
		g.Shutdown(ctx)
		return 1
	}
	if adm != nil {
		defer adm.Shutdown(context.Background())
	}
	if ready != nil {
		ready(g)
	}
	ctx, stopWatch := context.WithCancel(context.Background())
	defer stopWatch()
	if fromFile && watchFile {
		if err := g.WatchFile(ctx); err != nil {
			logger.Warn("config file not watched; reload with SIGHUP or the admin API", "err", err)
		}
	}
	code := 0
wait:
	for {
		select {
		case <-hup:
			if err := g.ReloadFile(); err == nil || errors.Is(err, gateway.ErrUnchanged) {
				logger.Info("SIGHUP: config reloaded", "unchanged", err != nil)
			}
		case sig := <-sigs:
			logger.Info("shutting down", "signal", sig.String())
			break wait
		case err := <-g.Errors():
			logger.Error("listener failed", "err", err)
			code = 1
			break wait
		}
	}
	ctx, cancel := g.DrainContext()
	defer cancel()
	if err := g.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		logger.Warn("shutdown", "err", err)
	} else if err != nil {
		logger.Warn("drain timeout reached; remaining connections closed")
	}
	logger.Info("stopped")
	return code
}

func printConfigError(w io.Writer, file string, err error) {
	var ce *config.Errors
	if errors.As(err, &ce) {
		fmt.Fprintln(w, ce.Error())
		return
	}
	fmt.Fprintf(w, "%s: %v\n", file, err)
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("invalid -log-level %q", level)
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// startAdmin starts the admin API unless admin.addr is "off". Its settings
// are read once: changing them needs a restart.
func startAdmin(g *gateway.Gateway, cfg *config.Config, logger *slog.Logger) (*admin.Server, error) {
	if cfg.Admin.Addr == config.AdminAddrOff {
		return nil, nil
	}
	admin.Version = versionString()
	adm := admin.New(g, cfg.Admin.Token, logger)
	if err := adm.Start(cfg.Admin.Addr); err != nil {
		return nil, err
	}
	logger.Info("admin API listening", "addr", adm.Addr().String())
	return adm, nil
}

// defaultGCPercent replaces Go's GOGC=100. A gateway's live heap is small
// and nearly all its garbage lives for one request, so at 100 the
// collector runs very often; at 400 it costs about a tenth less CPU per
// request for a heap that peaks at five times the live one instead of
// twice. GOGC (and GOMEMLIMIT) in the environment win.
const defaultGCPercent = 400

func tuneGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(defaultGCPercent)
	}
}

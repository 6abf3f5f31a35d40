package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/runtime"
)

// ReloadResult is the outcome of the last reload attempt.
type ReloadResult struct {
	Time time.Time `json:"time"`
	// Result is "success", "error" or "unchanged".
	Result string `json:"result"`
	// Errors are the config errors of a rejected reload, one per line.
	Errors []string `json:"errors,omitempty"`
	// Hash is the sha256 of the config now serving.
	Hash string `json:"config_hash"`
}

// ErrUnchanged is returned by a reload whose config hash equals the
// serving one; nothing was rebuilt.
var ErrUnchanged = errors.New("config unchanged")

// Hash is the identity of a config's bytes, shown in the admin status.
func Hash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// ReloadFile reloads the config file the gateway was started with.
func (g *Gateway) ReloadFile() error {
	// Certificate files are re-read even when the config is unchanged:
	// SIGHUP and the admin reload are how a renewed file is picked up
	// where file watching is not available.
	_ = g.reloadCertificates()
	if !g.fromFile {
		return g.rejected(errors.New("the gateway was not started from a config file"))
	}
	data, err := os.ReadFile(g.file)
	if err != nil {
		return g.rejected(fmt.Errorf("reading config: %w", err))
	}
	return g.ReloadBytes(data)
}

// ReloadBytes loads, validates and applies a config given as YAML or JSON.
// On any error the serving config stays and the error is returned (a
// *config.Errors lists every problem with its position).
func (g *Gateway) ReloadBytes(data []byte) error {
	cfg, err := config.Parse(data, g.file)
	if err != nil {
		return g.rejected(err)
	}
	if err := g.Apply(cfg, Hash(data)); err != nil {
		return err
	}
	g.source.Store(&data)
	return nil
}

// Source is the text of the config serving now, nil when it was built in
// code.
func (g *Gateway) Source() []byte {
	if p := g.source.Load(); p != nil {
		return *p
	}
	return nil
}

// File is the config's file name, as used in error messages.
func (g *Gateway) File() string { return g.file }

// FromFile says the config file can be re-read and is saved by edits.
func (g *Gateway) FromFile() bool { return g.fromFile }

// Runtime is the runtime serving now.
func (g *Gateway) Runtime() *runtime.Runtime { return g.holder.Load() }

// Apply builds a whole new runtime for cfg beside the serving one and, if
// that succeeds, swaps it in; the old runtime drains in the background.
// When Apply returns nil, every new request is served by cfg.
func (g *Gateway) Apply(cfg *config.Config, hash string) error {
	g.reloadMu.Lock()
	defer g.reloadMu.Unlock()
	if g.closed {
		return errors.New("gateway is shutting down")
	}
	if hash != "" && hash == g.hash {
		g.record(ReloadResult{Result: "unchanged"})
		return ErrUnchanged
	}
	if err := sameListeners(g.cfg.Listeners, cfg.Listeners); err != nil {
		return g.rejectedLocked(err)
	}
	commitTLS, err := g.prepareTLS(g.cfg.Listeners, cfg.Listeners)
	if err != nil {
		return g.rejectedLocked(err)
	}
	rt, err := runtime.Build(cfg, g.file, g.runtimeOptions())
	if err != nil {
		return g.rejectedLocked(err)
	}
	commitTLS()
	old := g.holder.Swap(rt)
	g.cfg, g.hash = cfg, hash
	g.record(ReloadResult{Result: "success"})
	g.logger.Info("config reloaded", "config_hash", short(hash), "routes", len(cfg.Routes), "services", len(cfg.Services))
	g.retire <- retired{old: old, next: rt}
	return nil
}

// retired is a swapped-out runtime waiting to drain, and its successor,
// whose state generation commits once the old one is done.
type retired struct{ old, next *runtime.Runtime }

// drainRetired retires runtimes in swap order, so a state generation is
// committed only after every older runtime has drained.
func (g *Gateway) drainRetired() {
	defer close(g.drained)
	for r := range g.retire {
		ctx, cancel := context.WithTimeout(context.Background(), g.drainTimeout)
		if !r.old.Drain(ctx) {
			g.logger.Warn("old config still had requests at the drain timeout", "in_flight", r.old.InFlight())
		}
		cancel()
		r.next.CommitState()
		r.old.Close()
	}
}

func (g *Gateway) rejected(err error) error {
	g.reloadMu.Lock()
	defer g.reloadMu.Unlock()
	return g.rejectedLocked(err)
}

func (g *Gateway) rejectedLocked(err error) error {
	res := ReloadResult{Result: "error"}
	var ce *config.Errors
	if errors.As(err, &ce) {
		for _, e := range ce.List {
			res.Errors = append(res.Errors, e.Format(ce.File))
		}
	} else {
		res.Errors = []string{err.Error()}
	}
	g.record(res)
	g.logger.Error("config reload rejected; the previous config keeps serving", "errors", res.Errors)
	return err
}

func (g *Gateway) record(res ReloadResult) {
	res.Time = time.Now()
	res.Hash = g.hash
	g.last.Store(&res)
	metrics.ConfigReloads.WithLabelValues(res.Result).Inc()
}

// LastReload is the outcome of the last reload attempt, nil before any.
func (g *Gateway) LastReload() *ReloadResult { return g.last.Load() }

// ConfigHash is the hash of the config serving now.
func (g *Gateway) ConfigHash() string {
	g.reloadMu.Lock()
	defer g.reloadMu.Unlock()
	return g.hash
}

// Config is the config serving now; callers must not modify it.
func (g *Gateway) Config() *config.Config { return g.holder.Load().Config }

// sameListeners refuses a reload that changes what is bound: addresses and
// server timeouts belong to sockets that are already open.
func sameListeners(cur, next []config.Listener) error {
	if len(cur) != len(next) {
		return fmt.Errorf("listeners: adding or removing listeners needs a restart")
	}
	for i := range cur {
		a, b := cur[i], next[i]
		// TLS is checked by the certificate managers (tls.go): new
		// certificates apply on reload, turning TLS on or off does not.
		if a.Name != b.Name || a.Addr != b.Addr || a.Timeouts != b.Timeouts || a.MaxHeaderBytes != b.MaxHeaderBytes ||
			a.HTTP2 != b.HTTP2 || a.HTTP3 != b.HTTP3 {
			return fmt.Errorf("listeners[%d]: name, addr, timeouts, max_header_bytes, http2 and http3 need a restart to change", i)
		}
	}
	return nil
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// Package admin serves the admin API on its own listener: status, the
// serving config (redacted), routes, services with live upstream state,
// consumers without secrets, reloads, Kong-style edits that are saved to
// the config file, and Prometheus /metrics. Nothing here is reachable
// through a gateway listener.
package admin

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gatehouse/gatehouse/internal/gateway"
	"github.com/gatehouse/gatehouse/internal/metrics"
)

// Version is reported by GET /status; the CLI sets it.
var Version = "dev"

// maxBody bounds a config or object sent to the admin API.
const maxBody = 8 << 20

// Server is the admin listener.
type Server struct {
	g      *gateway.Gateway
	token  []byte
	logger *slog.Logger
	hs     *http.Server
	ln     net.Listener
	host   string     // admin.addr's host, lower case: a Host the guard accepts
	editMu sync.Mutex // serialises config edits
}

// New prepares the admin API for g; token "" means no authentication
// (config validation allows that only on loopback).
func New(g *gateway.Gateway, token string, logger *slog.Logger) *Server {
	s := &Server{g: g, token: []byte(token), logger: logger}
	s.hs = &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	return s
}

// Start binds addr and serves in the background.
func (s *Server) Start(addr string) error {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		s.host = strings.ToLower(h)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.ln = ln
	go func() {
		if err := s.hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("admin listener failed", "err", err)
		}
	}()
	return nil
}

// Addr is the bound address.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Shutdown stops the admin listener.
func (s *Server) Shutdown(ctx context.Context) error { return s.hs.Shutdown(ctx) }

// Handler is the admin API with authentication, for tests and embedding.
func (s *Server) Handler() http.Handler { return s.hs.Handler }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", s.status)
	mux.HandleFunc("GET /config", s.getConfig)
	mux.HandleFunc("POST /config", s.postConfig)
	mux.HandleFunc("POST /reload", s.reload)
	mux.HandleFunc("GET /routes", s.listRoutes)
	mux.HandleFunc("GET /services", s.listServices)
	mux.HandleFunc("GET /consumers", s.listConsumers)
	mux.HandleFunc("GET /explain", s.explain)
	mux.HandleFunc("DELETE /cache", s.purgeCache)
	for _, kind := range []string{"services", "routes", "consumers"} {
		mux.HandleFunc("GET /"+kind+"/{name}", s.getObject(kind))
		mux.HandleFunc("PUT /"+kind+"/{name}", s.putObject(kind))
		mux.HandleFunc("PATCH /"+kind+"/{name}", s.patchObject(kind))
		mux.HandleFunc("DELETE /"+kind+"/{name}", s.deleteObject(kind))
	}
	mux.HandleFunc("POST /services", s.createObject("services"))
	mux.HandleFunc("POST /routes", s.createObject("routes"))
	mux.HandleFunc("POST /consumers", s.createObject("consumers"))
	mux.Handle("GET /metrics", promhttp.HandlerFor(metrics.Registry, promhttp.HandlerOpts{}))
	return s.guard(s.authenticate(mux))
}

// authenticate requires the bearer token when one is configured,
// compared in constant time.
func (s *Server) authenticate(next http.Handler) http.Handler {
	if len(s.token) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := bearer(r.Header.Get("Authorization"))
		if !ok || subtle.ConstantTimeCompare([]byte(got), s.token) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="gatehouse-admin"`)
			writeError(w, http.StatusUnauthorized, "admin token required", nil)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func bearer(h string) (string, bool) {
	const p = "Bearer "
	if len(h) <= len(p) || !equalFold(h[:len(p)], p) {
		return "", false
	}
	return h[len(p):], true
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		x, y := a[i]|0x20, b[i]|0x20
		if x != y {
			return false
		}
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

type errorBody struct {
	Error  string   `json:"error"`
	Status int      `json:"status"`
	Errors []string `json:"errors,omitempty"`
}

func writeError(w http.ResponseWriter, status int, msg string, details []string) {
	writeJSON(w, status, errorBody{Error: msg, Status: status, Errors: details})
}

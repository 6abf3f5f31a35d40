package admin

import (
	"errors"
	"io"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gateway"
	"github.com/gatehouse/gatehouse/internal/runtime"
)

// getConfig shows the serving config as written (${VAR} references
// unexpanded), with every secret-looking value redacted.
func (s *Server) getConfig(w http.ResponseWriter, r *http.Request) {
	src := s.g.Source()
	if src == nil {
		writeError(w, http.StatusNotFound, "the serving config has no source text", nil)
		return
	}
	doc, err := parseDoc(src)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error(), nil)
		return
	}
	config.Redact(doc)
	v, err := toAny(doc)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error(), nil)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"config_hash": s.g.ConfigHash(), "config": v})
}

// postConfig validates a whole config (YAML or JSON) and, unless
// ?dry_run=true, applies it and saves it to the config file.
func (s *Server) postConfig(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		writeError(w, http.StatusRequestEntityTooLarge, "config too large or unreadable", nil)
		return
	}
	if r.URL.Query().Get("dry_run") == "true" {
		s.dryRun(w, body)
		return
	}
	s.apply(w, http.StatusOK, body)
}

func (s *Server) dryRun(w http.ResponseWriter, body []byte) {
	cfg, err := config.Parse(body, s.g.File())
	var scopes *runtime.Scopes
	if err == nil {
		var errs []config.FieldError
		if scopes, errs = runtime.DecodePolicies(cfg); len(errs) > 0 {
			err = &config.Errors{File: s.g.File(), List: cfg.Locate(errs)}
		}
	}
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "invalid config", errorLines(err))
		return
	}
	out := map[string]any{"valid": true, "diff": diff(s.g.Source(), body)}
	if ws := cfg.Locate(runtime.Shadowed(cfg, scopes)); len(ws) > 0 {
		lines := make([]string, len(ws))
		for i, w := range ws {
			lines[i] = w.Format(s.g.File())
		}
		out["warnings"] = lines
	}
	writeJSON(w, http.StatusOK, out)
}

// apply validates, applies and saves body, answering with the diff.
func (s *Server) apply(w http.ResponseWriter, status int, body []byte) {
	before := s.g.Source()
	err := s.g.ApplyAndSave(body)
	var ce *config.Errors
	switch {
	case errors.Is(err, gateway.ErrUnchanged), err == nil:
	case errors.As(err, &ce):
		writeError(w, http.StatusUnprocessableEntity, "invalid config", errorLines(err))
		return
	default:
		writeError(w, http.StatusUnprocessableEntity, err.Error(), nil)
		return
	}
	writeJSON(w, status, map[string]any{"applied": true, "config_hash": s.g.ConfigHash(), "diff": diff(before, body)})
}

// reload re-reads the config file.
func (s *Server) reload(w http.ResponseWriter, r *http.Request) {
	if !s.g.FromFile() {
		writeError(w, http.StatusConflict, "the gateway was not started from a file", nil)
		return
	}
	err := s.g.ReloadFile()
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, map[string]any{"result": "success", "config_hash": s.g.ConfigHash()})
	case errors.Is(err, gateway.ErrUnchanged):
		writeJSON(w, http.StatusOK, map[string]any{"result": "unchanged", "config_hash": s.g.ConfigHash()})
	default:
		writeError(w, http.StatusUnprocessableEntity, "config rejected; the previous config keeps serving", errorLines(err))
	}
}

func errorLines(err error) []string {
	var ce *config.Errors
	if errors.As(err, &ce) {
		out := make([]string, len(ce.List))
		for i, e := range ce.List {
			out[i] = e.Format(ce.File)
		}
		return out
	}
	return []string{err.Error()}
}

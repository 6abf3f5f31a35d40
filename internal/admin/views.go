package admin

import (
	"net/http"
	"sort"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gateway"
)

type statusView struct {
	Version       string                `json:"version"`
	Uptime        string                `json:"uptime"`
	UptimeSeconds float64               `json:"uptime_seconds"`
	ConfigHash    string                `json:"config_hash"`
	ConfigFile    string                `json:"config_file,omitempty"`
	Routes        int                   `json:"routes"`
	Services      int                   `json:"services"`
	Consumers     int                   `json:"consumers"`
	LastReload    *gateway.ReloadResult `json:"last_reload,omitempty"`
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	cfg := s.g.Config()
	up := time.Since(s.g.Started())
	writeJSON(w, http.StatusOK, statusView{
		Version:       Version,
		Uptime:        up.Round(time.Second).String(),
		UptimeSeconds: up.Seconds(),
		ConfigHash:    s.g.ConfigHash(),
		ConfigFile:    s.g.File(),
		Routes:        len(cfg.Routes),
		Services:      len(cfg.Services),
		Consumers:     len(cfg.Consumers),
		LastReload:    s.g.LastReload(),
	})
}

type routeView struct {
	Name        string   `json:"name"`
	Match       any      `json:"match"`
	Service     string   `json:"service"`
	StripPrefix string   `json:"strip_prefix,omitempty"`
	Rewrite     string   `json:"rewrite,omitempty"`
	Policies    []string `json:"policies,omitempty"`
}

func (s *Server) listRoutes(w http.ResponseWriter, r *http.Request) {
	cfg := s.g.Config()
	out := make([]routeView, 0, len(cfg.Routes))
	for _, rc := range cfg.Routes {
		out = append(out, routeView{Name: rc.Name, Match: yamlView(rc.Match), Service: rc.Service,
			StripPrefix: rc.StripPrefix, Rewrite: rc.Rewrite, Policies: policyNames(rc.Policies)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"routes": out})
}

type targetView struct {
	URL      string `json:"url"`
	Address  string `json:"address"`
	Weight   int    `json:"weight"`
	Healthy  bool   `json:"healthy"`
	Ejected  bool   `json:"ejected"`
	InFlight int64  `json:"in_flight"`
}

type serviceView struct {
	Name     string       `json:"name"`
	Balance  string       `json:"balance,omitempty"`
	Breaker  string       `json:"circuit_breaker,omitempty"`
	Targets  []targetView `json:"targets"`
	Policies []string     `json:"policies,omitempty"`
}

func (s *Server) listServices(w http.ResponseWriter, r *http.Request) {
	rt := s.g.Runtime()
	cfg := rt.Config
	now := time.Now()
	out := make([]serviceView, 0, len(cfg.Services))
	for _, sc := range cfg.Services {
		v := serviceView{Name: sc.Name, Balance: sc.Balance, Policies: policyNames(sc.Policies), Targets: []targetView{}}
		if svc := rt.Service(sc.Name); svc != nil && svc.Upstream() != nil {
			up := svc.Upstream()
			if up.Breaker != nil {
				v.Breaker = up.Breaker.State().String()
			}
			for _, t := range up.Targets() {
				v.Targets = append(v.Targets, targetView{URL: t.Raw, Address: t.Host, Weight: t.Weight,
					Healthy: !t.Down(), Ejected: t.Ejected(now), InFlight: t.InFlight()})
			}
		} else {
			for _, t := range sc.Targets {
				v.Targets = append(v.Targets, targetView{URL: t.URL, Weight: t.Weight, Healthy: true})
			}
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"services": out})
}

// consumerView shows who a consumer is and how many credentials it has,
// never the credentials.
type consumerView struct {
	Name       string   `json:"name"`
	Groups     []string `json:"groups"`
	APIKeys    int      `json:"api_keys"`
	BasicUsers []string `json:"basic_auth_users,omitempty"`
	JWT        []string `json:"jwt_subjects,omitempty"`
}

func (s *Server) listConsumers(w http.ResponseWriter, r *http.Request) {
	cfg := s.g.Config()
	out := make([]consumerView, 0, len(cfg.Consumers))
	for _, c := range cfg.Consumers {
		v := consumerView{Name: c.Name, Groups: c.Groups, APIKeys: len(c.APIKeys)}
		if v.Groups == nil {
			v.Groups = []string{}
		}
		for _, u := range c.BasicAuth {
			v.BasicUsers = append(v.BasicUsers, u.Username)
		}
		for _, j := range c.JWT {
			v.JWT = append(v.JWT, j.Issuer+" "+j.Subject)
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"consumers": out})
}

func policyNames(ps config.Policies) []string {
	names := make([]string, 0, len(ps))
	for n := range ps {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

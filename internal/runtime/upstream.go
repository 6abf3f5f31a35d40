package runtime

import (
	"fmt"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/proxy"
	"github.com/gatehouse/gatehouse/internal/statepool"
	"github.com/gatehouse/gatehouse/internal/upstream"
)

// buildUpstream takes the service's upstream state from the pool (kept
// across reloads while its targets and settings are unchanged) and puts it
// in front of svc's transport.
func buildUpstream(gen *statepool.Gen, s config.Service, svc *proxy.Service) error {
	up, err := statepool.Get(gen, upstream.StateKey(s), func() (*upstream.Upstream, error) {
		targets, err := upstream.BuildTargets(s)
		if err != nil {
			return nil, err
		}
		return upstream.New(targets, upstream.SettingsFrom(s))
	})
	if err != nil {
		return fmt.Errorf("service %q: %w", s.Name, err)
	}
	hash := proxy.HashOn{Source: proxy.HashClientIP}
	switch h := s.HashOn.WithDefaults(); h.Source {
	case config.HashSourceHeader:
		hash = proxy.HashOn{Source: proxy.HashHeader, Name: h.Name}
	case config.HashSourceCookie:
		hash = proxy.HashOn{Source: proxy.HashCookie, Name: h.Name}
	}
	svc.UseUpstream(up, hash)
	return nil
}

// routeResilience compiles a route's retries (its own, else its
// service's), timeouts and fallback.
func routeResilience(rc config.Route, s *config.Service) *proxy.Resilience {
	retries := rc.Retries
	if retries == nil && s != nil {
		retries = s.Retries
	}
	r := &proxy.Resilience{
		Retry:          upstream.RetryPolicyFrom(retries),
		Connect:        rc.Timeouts.Connect.D(),
		ResponseHeader: rc.Timeouts.ResponseHeader.D(),
		Overall:        rc.Timeouts.Overall.D(),
	}
	if f := rc.Fallback; f != nil {
		r.Fallback = proxy.NewFallback(f.Status, f.Headers, f.Body)
	}
	return r
}

func serviceConfig(c *config.Config, name string) *config.Service {
	for i := range c.Services {
		if c.Services[i].Name == name {
			return &c.Services[i]
		}
	}
	return nil
}

package runtime

import (
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/proxy"
)

// hashOn is where a service's consistent-hashing key comes from.
func hashOn(c config.HashOn) proxy.HashOn {
	switch h := c.WithDefaults(); h.Source {
	case config.HashSourceHeader:
		return proxy.HashOn{Source: proxy.HashHeader, Name: h.Name}
	case config.HashSourceCookie:
		return proxy.HashOn{Source: proxy.HashCookie, Name: h.Name}
	}
	return proxy.HashOn{Source: proxy.HashClientIP}
}

// routeResilience compiles a route's retries (its own, else its
// service's), timeouts and fallback.
func routeResilience(rc config.Route, s *config.Service) *proxy.Resilience {
	retries := rc.Retries
	if retries == nil && s != nil {
		retries = s.Retries
	}
	r := &proxy.Resilience{
		Retry:          retryPolicy(retries),
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

package runtime

import "github.com/gatehouse/gatehouse/internal/proxy"

// Service returns the built service of that name, for the admin view.
func (rt *Runtime) Service(name string) *proxy.Service { return rt.services[name] }

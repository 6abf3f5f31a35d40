package gateway

import "net/http"

// Handler is what the named listener serves: the current runtime's
// routes. For serving the gateway on a server of one's own (tests that
// need a protocol the listeners do not offer).
func (g *Gateway) Handler(listener string) http.Handler { return g.holder.Handler(listener) }

package mtls

import (
	"crypto/x509"
	"sync"
)

// maxCached bounds the cache; past it the cache starts over, which costs
// one lookup per connection, never a wrong answer.
const maxCached = 4096

// resolvedCache maps a verified leaf (the pointer crypto/tls keeps for
// the connection) to what it resolved to. Keyed by pointer, so no hash
// of the certificate is computed per request; an entry keeps its
// certificate alive, so a pointer is never reused while it is a key.
type resolvedCache struct {
	mu sync.RWMutex
	m  map[*x509.Certificate]*resolved
}

func (c *resolvedCache) get(leaf *x509.Certificate) *resolved {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[leaf]
}

func (c *resolvedCache) put(leaf *x509.Certificate, r *resolved) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCached {
		c.m = make(map[*x509.Certificate]*resolved, 64)
	}
	c.m[leaf] = r
}

package certs

import (
	"crypto/rand"
	"crypto/tls"
	"sync"
)

// Session ticket keys rotate every 12 hours and four are kept, so a
// ticket resumes for up to two days and a stolen key opens at most that
// window: Caddy's defaults. Go's automatic keys live a week.
const (
	ticketRotation = 12 * 60 * 60 // seconds, as a constant the test can read
	ticketKeep     = 4
)

// ticketKeys is one listener's session ticket keys, newest first. They
// are set on the base config, whose keys crypto/tls uses for the configs
// GetConfigForClient returns.
type ticketKeys struct {
	mu   sync.Mutex
	keys [][32]byte
}

func newTicketKeys() *ticketKeys {
	t := &ticketKeys{}
	t.rotate()
	return t
}

// rotate puts a fresh key first (new tickets use it) and drops the
// oldest beyond ticketKeep (tickets under it stop resuming).
func (t *ticketKeys) rotate() {
	var k [32]byte
	if _, err := rand.Read(k[:]); err != nil {
		panic(err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.keys = append([][32]byte{k}, t.keys...)
	if len(t.keys) > ticketKeep {
		t.keys = t.keys[:ticketKeep]
	}
}

func (t *ticketKeys) apply(c *tls.Config) {
	t.mu.Lock()
	keys := append([][32]byte(nil), t.keys...)
	t.mu.Unlock()
	c.SetSessionTicketKeys(keys)
}

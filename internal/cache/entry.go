// Package cache holds the response cache's entries, their HTTP freshness
// rules (RFC 9111 as a shared cache, RFC 5861's stale extensions) and
// the stores that keep them: in memory, bounded in bytes with W-TinyLFU
// admission. The cache policy (internal/policy/cache) speaks HTTP around
// it; the admin API purges through the registry here.
package cache

import (
	"net/http"
	"time"
)

// Entry is one stored response.
type Entry struct {
	Status int
	Header http.Header
	Body   []byte
	// StoredAt is when the response was received; AgeAtStore is the age
	// it already had then (its Age header and the Date gap).
	StoredAt   time.Time
	AgeAtStore time.Duration
	// Fresh is the freshness lifetime; StaleWhileRevalidate and
	// StaleIfError extend how long it may be served stale.
	Fresh                time.Duration
	StaleWhileRevalidate time.Duration
	StaleIfError         time.Duration
	// MustRevalidate forbids serving it stale (must-revalidate,
	// proxy-revalidate, or s-maxage on the response).
	MustRevalidate bool
	// Tags are its Surrogate-Key values, for purging by tag.
	Tags []string
	// Route is the route that stored it, for purging by route.
	Route string
}

// Age is the entry's age at now (RFC 9111, 4.2.3, with the resident time
// counted from our own clock).
func (e *Entry) Age(now time.Time) time.Duration {
	return e.AgeAtStore + max(0, now.Sub(e.StoredAt))
}

// TTL is how long the entry stays fresh from now; negative when stale.
func (e *Entry) TTL(now time.Time) time.Duration { return e.Fresh - e.Age(now) }

// Fresh reports the entry is fresh at now.
func (e *Entry) IsFresh(now time.Time) bool { return e.TTL(now) > 0 }

// Keep is how long a store should hold the entry from its storing: fresh
// and stale windows, plus a margin in which a stale entry still serves
// revalidation by its validators.
func (e *Entry) Keep() time.Duration {
	keep := e.Fresh - e.AgeAtStore + max(e.StaleWhileRevalidate, e.StaleIfError)
	if e.hasValidators() {
		keep += revalidationMargin
	}
	return max(keep, time.Second)
}

// revalidationMargin keeps a stale entry with validators this long past
// its stale windows, so the next request can revalidate it with a 304
// instead of refetching it whole.
const revalidationMargin = 10 * time.Minute

func (e *Entry) hasValidators() bool {
	return len(e.Header["Etag"]) > 0 || len(e.Header["Last-Modified"]) > 0
}

// Size is the entry's weight in a store: body, headers and a fixed
// overhead for the structure.
func (e *Entry) Size() int {
	n := len(e.Body) + 256
	for k, vs := range e.Header {
		n += len(k)
		for _, v := range vs {
			n += len(v) + 16
		}
	}
	return n
}

package jwt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/MicahParks/jwkset"
)

// maxJWKSBytes bounds a JWKS or discovery document.
const maxJWKSBytes = 1 << 20

// keySet is a JWKS kept fresh in the background. Lookups never block on
// the network except for an unknown kid, and then at most one fetch per
// cooldown happens however many requests ask: a flood of random kids
// cannot turn the gateway against the key server. A failed fetch keeps
// the keys already held.
type keySet struct {
	jwksURL      string // empty until discovery found it
	discoveryURL string
	issuer       string // the OIDC issuer the discovery document must name
	configured   []string
	client       *http.Client
	cooldown     time.Duration
	logger       *slog.Logger

	keys        atomic.Pointer[keyMap]
	mu          sync.Mutex // one fetch at a time
	lastAttempt atomic.Int64
	stop        chan struct{}
	done        chan struct{}
	closeOnce   sync.Once
}

type keyMap struct {
	byKID map[string]*key
	all   []*key
}

type keySetOptions struct {
	JWKSURL, OIDCIssuer string
	Algorithms          []string
	Refresh, Cooldown   time.Duration
	Timeout             time.Duration
	Logger              *slog.Logger
}

// newKeySet fetches the keys once (a failure is logged, not fatal: the
// key server may come up later) and refreshes them every o.Refresh.
func newKeySet(o keySetOptions) *keySet {
	ks := &keySet{
		jwksURL:    o.JWKSURL,
		configured: o.Algorithms,
		client:     &http.Client{Timeout: o.Timeout, Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, MaxIdleConns: 2, IdleConnTimeout: 90 * time.Second}},
		cooldown:   o.Cooldown,
		logger:     o.Logger,
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
	}
	if o.OIDCIssuer != "" {
		ks.issuer = o.OIDCIssuer
		ks.discoveryURL = strings.TrimSuffix(o.OIDCIssuer, "/") + "/.well-known/openid-configuration"
	}
	ks.keys.Store(&keyMap{byKID: map[string]*key{}})
	ks.fetch()
	go ks.refreshLoop(o.Refresh)
	return ks
}

func (ks *keySet) refreshLoop(every time.Duration) {
	defer close(ks.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ks.stop:
			return
		case <-t.C:
			ks.fetch()
		}
	}
}

// Close stops the background refresh.
func (ks *keySet) Close() error {
	ks.closeOnce.Do(func() {
		close(ks.stop)
		<-ks.done
		ks.client.CloseIdleConnections()
	})
	return nil
}

// loaded reports whether any keys were ever fetched.
func (ks *keySet) loaded() bool { return len(ks.keys.Load().all) > 0 }

// lookup returns the key for kid, refetching once per cooldown when kid
// is unknown.
func (ks *keySet) lookup(kid string) (*key, bool) {
	if k, ok := ks.keys.Load().byKID[kid]; ok {
		return k, true
	}
	if !ks.refreshAllowed() {
		return nil, false
	}
	ks.mu.Lock()
	// Another request may have fetched while this one waited.
	if ks.refreshAllowed() {
		ks.fetchLocked()
	}
	ks.mu.Unlock()
	k, ok := ks.keys.Load().byKID[kid]
	return k, ok
}

func (ks *keySet) refreshAllowed() bool {
	return time.Since(time.Unix(0, ks.lastAttempt.Load())) >= ks.cooldown
}

func (ks *keySet) fetch() {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	ks.fetchLocked()
}

func (ks *keySet) fetchLocked() {
	ks.lastAttempt.Store(time.Now().UnixNano())
	km, err := ks.load()
	if err != nil {
		// The URL is config, not a secret; the cached keys stay in use.
		ks.logger.Warn("jwt: fetching keys failed; keeping the cached keys", "url", ks.describe(), "error", err)
		return
	}
	ks.keys.Store(km)
}

func (ks *keySet) describe() string {
	if ks.jwksURL != "" {
		return ks.jwksURL
	}
	return ks.discoveryURL
}

func (ks *keySet) load() (*keyMap, error) {
	if ks.jwksURL == "" {
		if err := ks.discover(); err != nil {
			return nil, err
		}
	}
	body, err := ks.get(ks.jwksURL)
	if err != nil {
		return nil, err
	}
	return parseJWKS(body, ks.configured)
}

// discover reads jwks_uri from the OIDC discovery document.
func (ks *keySet) discover() error {
	body, err := ks.get(ks.discoveryURL)
	if err != nil {
		return err
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return fmt.Errorf("decoding discovery document: %w", err)
	}
	if strings.TrimSuffix(doc.Issuer, "/") != strings.TrimSuffix(ks.issuer, "/") {
		return fmt.Errorf("discovery document names issuer %q, want %q", doc.Issuer, ks.issuer)
	}
	if !strings.HasPrefix(doc.JWKSURI, "https://") && !strings.HasPrefix(doc.JWKSURI, "http://") {
		return fmt.Errorf("discovery document has no usable jwks_uri")
	}
	ks.jwksURL = doc.JWKSURI
	return nil
}

func (ks *keySet) get(url string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), ks.client.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := ks.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxJWKSBytes {
		return nil, errors.New("document larger than 1 MiB")
	}
	return body, nil
}

// parseJWKS keeps the usable public signing keys of a JWKS. Symmetric keys
// are never taken from the network, and x5u is never followed.
func parseJWKS(body []byte, configured []string) (*keyMap, error) {
	var set jwkset.JWKSMarshal
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("decoding JWKS: %w", err)
	}
	km := &keyMap{byKID: map[string]*key{}}
	for _, m := range set.Keys {
		if m.USE == jwkset.UseEnc || m.KTY == jwkset.KtyOct {
			continue
		}
		m.X5U = ""
		m.D, m.P, m.Q, m.DP, m.DQ, m.QI, m.OTH = "", "", "", "", "", "", nil
		jwk, err := jwkset.NewJWKFromMarshal(m, jwkset.JWKMarshalOptions{}, jwkset.JWKValidateOptions{})
		if err != nil {
			continue // one bad key must not take the others down
		}
		k := &key{kid: m.KID, pub: jwk.Key()}
		if k.algs = pinAlgs(k.pub, string(m.ALG), configured); len(k.algs) == 0 {
			continue
		}
		km.all = append(km.all, k)
		if m.KID != "" {
			km.byKID[m.KID] = k
		}
	}
	if len(km.all) == 0 {
		return nil, errors.New("JWKS holds no usable signing key")
	}
	return km, nil
}

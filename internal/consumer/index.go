// Package consumer indexes the config's consumers by credential, so an
// authentication policy resolves an API key, a basic-auth user or a token
// subject to its consumer with one map lookup.
package consumer

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
	"github.com/gatehouse/gatehouse/internal/statepool"
)

// KeyHash is the SHA-256 of an API key.
type KeyHash [sha256.Size]byte

// BasicUser is a basic-auth user and the bcrypt hash of its password.
type BasicUser struct {
	Consumer *pipeline.Consumer
	Bcrypt   []byte
}

// Index is the read-only lookup of consumers by credential.
type Index struct {
	byName map[string]*pipeline.Consumer
	// Keys are looked up by their SHA-256: the lookup's timing depends on
	// the hash, which tells an attacker nothing about stored keys, so no
	// byte-by-byte comparison of secrets ever happens.
	byKey   map[KeyHash]keyEntry
	byUser  map[string]BasicUser
	byJWT   map[string]*pipeline.Consumer // issuer + "\x00" + subject
	anyIssJ map[string]*pipeline.Consumer // subject, for identities without issuer
	headers map[*pipeline.Consumer]Headers
	byCert  map[string]*pipeline.Consumer // see certs.go
}

// Headers are a consumer's upstream header values, made once so that a
// request does not allocate them.
type Headers struct {
	Name   []string
	Groups []string // nil when the consumer has no groups
}

// New indexes cs, which must have passed config validation.
func New(cs []config.Consumer) (*Index, error) {
	ix := &Index{
		byName:  map[string]*pipeline.Consumer{},
		byKey:   map[KeyHash]keyEntry{},
		byUser:  map[string]BasicUser{},
		byJWT:   map[string]*pipeline.Consumer{},
		anyIssJ: map[string]*pipeline.Consumer{},
		headers: map[*pipeline.Consumer]Headers{},
		byCert:  map[string]*pipeline.Consumer{},
	}
	for _, c := range cs {
		pc := &pipeline.Consumer{Name: c.Name, Groups: append([]string(nil), c.Groups...)}
		ix.byName[c.Name] = pc
		hs := Headers{Name: []string{c.Name}}
		if len(c.Groups) > 0 {
			hs.Groups = []string{strings.Join(c.Groups, ",")}
		}
		ix.headers[pc] = hs
		for _, k := range c.APIKeys {
			h := config.HashAPIKey(k.Key)
			if k.SHA256 != "" {
				h = strings.ToLower(k.SHA256)
			}
			var kh KeyHash
			if _, err := hex.Decode(kh[:], []byte(h)); err != nil {
				return nil, fmt.Errorf("consumer %q: api key hash: %w", c.Name, err)
			}
			// The id names the key by a prefix of its hash: enough to tell
			// keys apart in logs and rate limits, useless for recovering it.
			ix.byKey[kh] = keyEntry{consumer: pc, id: "key:" + h[:12]}
		}
		for _, u := range c.BasicAuth {
			ix.byUser[u.Username] = BasicUser{Consumer: pc, Bcrypt: []byte(u.PasswordBcrypt)}
		}
		ix.indexCerts(pc, c.ClientCerts)
		for _, id := range c.JWT {
			if id.Issuer == "" {
				ix.anyIssJ[id.Subject] = pc
			} else {
				ix.byJWT[id.Issuer+"\x00"+id.Subject] = pc
			}
		}
	}
	return ix, nil
}

// HeadersOf returns c's upstream header values.
func (ix *Index) HeadersOf(c *pipeline.Consumer) Headers { return ix.headers[c] }

// ByName returns the consumer called name.
func (ix *Index) ByName(name string) *pipeline.Consumer { return ix.byName[name] }

type keyEntry struct {
	consumer *pipeline.Consumer
	id       string
}

// ByKey resolves a presented API key to its consumer and credential id.
func (ix *Index) ByKey(key string) (c *pipeline.Consumer, id string, ok bool) {
	e, ok := ix.byKey[KeyHash(sha256.Sum256([]byte(key)))]
	return e.consumer, e.id, ok
}

// ByUser returns the basic-auth user called name.
func (ix *Index) ByUser(name string) (BasicUser, bool) {
	u, ok := ix.byUser[name]
	return u, ok
}

// BySubject resolves a verified token's issuer and subject.
func (ix *Index) BySubject(issuer, subject string) *pipeline.Consumer {
	if c, ok := ix.byJWT[issuer+"\x00"+subject]; ok {
		return c
	}
	return ix.anyIssJ[subject]
}

// Len is the number of consumers.
func (ix *Index) Len() int { return len(ix.byName) }

// For returns the index of the consumers in bc.Config, built once per
// distinct set of consumers and shared by every policy (and kept across
// reloads that leave the consumers unchanged).
func For(bc pipeline.BuildContext) (*Index, error) {
	var cs []config.Consumer
	if bc.Config != nil {
		cs = bc.Config.Consumers
	}
	b, err := json.Marshal(cs)
	if err != nil {
		return nil, fmt.Errorf("hashing consumers: %w", err)
	}
	sum := sha256.Sum256(b)
	return statepool.Get(bc.State, "consumers|"+hex.EncodeToString(sum[:]), func() (*Index, error) { return New(cs) })
}

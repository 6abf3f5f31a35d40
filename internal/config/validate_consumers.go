package config

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// HashAPIKey is the lower-case hex SHA-256 of an API key: the form keys
// may be written in (api_keys[].sha256) and the form they are indexed by.
func HashAPIKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// consumers checks names, groups and credentials. A credential that two
// consumers share is an error: a request would resolve to either.
func (v *validator) consumers() {
	at := Path("consumers")
	names := v.names("consumer")
	keys := map[string]Path{}
	users := map[string]Path{}
	subjects := map[string]Path{}
	certIDs := map[string]Path{}
	for i, c := range v.c.Consumers {
		ci := at.Index(i)
		if c.Name == "" {
			v.errorf(ci.Field("name"), "required")
		} else {
			v.name(c.Name, ci.Field("name"))
			names.check(c.Name, ci.Field("name"))
		}
		for j, g := range c.Groups {
			if !validName(g) {
				v.errorf(ci.Field("groups").Index(j), `invalid group %q: use only letters, digits, "_", "." and "-"`, g)
			}
		}
		for j, k := range c.APIKeys {
			v.apiKey(k, ci.Field("api_keys").Index(j), keys)
		}
		for j, u := range c.BasicAuth {
			v.basicUser(u, ci.Field("basic_auth").Index(j), users)
		}
		for j, id := range c.JWT {
			jp := ci.Field("jwt").Index(j)
			if id.Subject == "" {
				v.errorf(jp.Field("subject"), "required")
				continue
			}
			v.unique(subjects, id.Issuer+"\x00"+id.Subject, jp.Field("subject"), "jwt issuer and subject")
		}
		for j, id := range c.ClientCerts {
			v.clientCert(id, ci.Field("client_certs").Index(j), certIDs)
		}
	}
}

func (v *validator) apiKey(k APIKey, at Path, seen map[string]Path) {
	switch {
	case k.Key == "" && k.SHA256 == "":
		v.errorf(at, "needs one of key or sha256")
	case k.Key != "" && k.SHA256 != "":
		v.errorf(at, "key and sha256 are exclusive: give one")
	case k.Key != "":
		if strings.TrimSpace(k.Key) != k.Key {
			v.errorf(at.Field("key"), "must not start or end with white space")
		}
		// Never echo the key itself in an error.
		v.unique(seen, HashAPIKey(k.Key), at.Field("key"), "API key")
	default:
		b, err := hex.DecodeString(k.SHA256)
		if err != nil || len(b) != 32 {
			v.errorf(at.Field("sha256"), "must be 64 hex digits (the SHA-256 of the key)")
			return
		}
		v.unique(seen, strings.ToLower(k.SHA256), at.Field("sha256"), "API key")
	}
}

func (v *validator) basicUser(u BasicUser, at Path, seen map[string]Path) {
	if u.Username == "" {
		v.errorf(at.Field("username"), "required")
	} else {
		if strings.ContainsAny(u.Username, ":\r\n") {
			v.errorf(at.Field("username"), "must not contain \":\", CR or LF")
		}
		v.unique(seen, u.Username, at.Field("username"), "basic_auth username")
	}
	h := u.PasswordBcrypt
	switch {
	case h == "":
		v.errorf(at.Field("password_bcrypt"), "required")
	case len(h) != 60 || !(strings.HasPrefix(h, "$2a$") || strings.HasPrefix(h, "$2b$") || strings.HasPrefix(h, "$2y$")):
		v.errorf(at.Field("password_bcrypt"), `must be a bcrypt hash ("$2b$..." of 60 characters), not a password`)
	}
}

// unique records id at path at, and reports a second use of it.
func (v *validator) unique(seen map[string]Path, id string, at Path, what string) {
	if prev, dup := seen[id]; dup {
		v.errorf(at, "duplicate %s (first at %s)", what, v.c.index.lineOf(prev))
		return
	}
	seen[id] = at
}

package ratelimit

import (
	"net/textproto"
	"strings"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// Phase implements pipeline.Phased. A limit whose key is known before
// authentication (ip, header, path, route, service, global) runs before
// it, as nginx's limit_req runs before auth_basic: a flood of wrong
// passwords is refused before the password hash is checked. A key with
// consumer, credential or claim, or tiers (chosen by consumer group),
// needs the identity, so that limit runs after authentication.
func (s *Spec) Phase() pipeline.Phase {
	if len(s.Tiers) > 0 {
		return pipeline.PhaseLimit
	}
	for _, k := range s.Key {
		if needsIdentity(k) {
			return pipeline.PhaseLimit
		}
	}
	return pipeline.PhasePreAuthLimit
}

func needsIdentity(key string) bool {
	return key == "consumer" || key == "credential" || strings.HasPrefix(key, "claim:")
}

// setByGateway says a header: key names a header the authentication
// policies set, which a limit keyed before authentication cannot see.
func setByGateway(header string) bool {
	h := textproto.CanonicalMIMEHeaderKey(header)
	return h == "X-Consumer-Name" || h == "X-Consumer-Groups"
}

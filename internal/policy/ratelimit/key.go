package ratelimit

import (
	"crypto/sha256"
	"encoding/hex"
)

// maxKeyBytes is the longest key stored as written. A header or path key
// can carry kilobytes per request, and a flood of distinct values would
// hold that much per key for the whole window; longer keys are stored as
// a digest of fixed size instead.
const maxKeyBytes = 64

// compactKey returns b, or in its place "sha256=" and the first 128 bits
// of its SHA-256 in hex. The digest is the same in every instance, as
// Redis keys must be; 128 bits make an accidental collision negligible
// and a chosen one out of reach. Written keys start with a key part name
// ("ip=", "header="), so a digest cannot equal one.
func compactKey(b []byte) []byte {
	if len(b) <= maxKeyBytes {
		return b
	}
	sum := sha256.Sum256(b)
	b = append(b[:0], "sha256="...)
	return hex.AppendEncode(b, sum[:16])
}

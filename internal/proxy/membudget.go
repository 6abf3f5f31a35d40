package proxy

import "sync/atomic"

// BodyMemory caps the bytes of request bodies held in memory at once,
// across every route (replay buffers for retries and request buffering).
// Past it a request streams its body instead: it loses the chance of a
// retry, the gateway keeps its memory.
type BodyMemory struct {
	limit int64
	used  atomic.Int64
}

// DefaultBodyMemory is the default cap: 256 MiB.
const DefaultBodyMemory = 256 << 20

// NewBodyMemory caps body buffers at limit bytes; 0 is DefaultBodyMemory.
func NewBodyMemory(limit int64) *BodyMemory {
	if limit <= 0 {
		limit = DefaultBodyMemory
	}
	return &BodyMemory{limit: limit}
}

// take reserves n bytes; false means the cap would be passed.
func (m *BodyMemory) take(n int64) bool {
	if m == nil {
		return true
	}
	if m.used.Add(n) > m.limit {
		m.used.Add(-n)
		return false
	}
	return true
}

// give returns n bytes.
func (m *BodyMemory) give(n int64) {
	if m != nil && n > 0 {
		m.used.Add(-n)
	}
}

// Used is the bytes held now.
func (m *BodyMemory) Used() int64 {
	if m == nil {
		return 0
	}
	return m.used.Load()
}

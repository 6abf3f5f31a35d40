package upstream

import (
	"slices"
	"strconv"
)

// vnodesPerWeight is how many points a target of weight 1 gets on the
// ring: enough that keys spread evenly over a handful of targets.
const vnodesPerWeight = 160

// DefaultLoadFactor bounds a target's share under consistent hashing to
// 125% of the mean in-flight load.
const DefaultLoadFactor = 125

// ring is consistent hashing with bounded loads (Mirrokni et al.): a key
// goes to the first target clockwise of its hash unless that target
// already carries more than loadFactor% of the mean in-flight load, in
// which case it walks on. Adding a target moves only the keys that now
// land on its points.
type ring struct {
	points     []ringPoint
	targets    []*Target
	loadFactor int64
}

type ringPoint struct {
	hash   uint64
	target *Target
}

func newRing(ts []*Target, loadFactor int) *ring {
	if loadFactor < 100 {
		loadFactor = DefaultLoadFactor
	}
	r := &ring{targets: ts, loadFactor: int64(loadFactor)}
	for _, t := range ts {
		for i := range t.Weight * vnodesPerWeight {
			r.points = append(r.points, ringPoint{HashKey(t.Raw + "#" + strconv.Itoa(i)), t})
		}
	}
	slices.SortFunc(r.points, func(a, b ringPoint) int {
		switch {
		case a.hash < b.hash:
			return -1
		case a.hash > b.hash:
			return 1
		}
		return 0
	})
	return r
}

func (r *ring) pick(key uint64, f filter) *Target {
	var total int64
	usable := int64(0)
	for _, t := range r.targets {
		if f.ok(t) {
			total += t.InFlight()
			usable++
		}
	}
	if usable == 0 {
		return nil
	}
	// ceil(factor% · (total+1) / usable): the most any target may carry
	// once this request is added.
	limit := (r.loadFactor*(total+1) + 100*usable - 1) / (100 * usable)
	n := len(r.points)
	start, _ := slices.BinarySearchFunc(r.points, key, func(p ringPoint, k uint64) int {
		switch {
		case p.hash < k:
			return -1
		case p.hash > k:
			return 1
		}
		return 0
	})
	var first *Target
	for i := range n {
		t := r.points[(start+i)%n].target
		if !f.ok(t) {
			continue
		}
		if t.InFlight()+1 <= limit {
			return t
		}
		if first == nil {
			first = t
		}
	}
	return first
}

// HashKey hashes a consistent-hashing key (client IP, header or cookie
// value) or a ring point: FNV-1a, then a 64-bit finaliser so that similar
// strings ("10.0.0.1", "10.0.0.2") land far apart. Stable across processes,
// so every gateway replica maps a key to the same target.
func HashKey(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

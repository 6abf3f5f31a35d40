package iprestrict

import (
	"encoding/binary"
	"net/netip"
	"slices"
)

// Set is a list of CIDRs compiled into sorted, disjoint address ranges,
// one table per family: a lookup is a binary search, about 17 steps for
// 100,000 entries, with no allocation. No HTTP here.
type Set struct {
	v4 []span4
	v6 []span6
}

type span4 struct{ lo, hi uint32 }

type u128 struct{ hi, lo uint64 }

type span6 struct{ lo, hi u128 }

func (a u128) less(b u128) bool { return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo) }

func (a u128) next() (u128, bool) {
	if a.lo == ^uint64(0) {
		if a.hi == ^uint64(0) {
			return a, false
		}
		return u128{a.hi + 1, 0}, true
	}
	return u128{a.hi, a.lo + 1}, true
}

// NewSet compiles prefixes. IPv4-mapped IPv6 prefixes count as IPv4.
func NewSet(prefixes []netip.Prefix) *Set {
	s := &Set{}
	for _, p := range prefixes {
		p = p.Masked()
		a := p.Addr()
		if a.Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
			a = p.Addr()
		}
		if a.Is4() {
			b := a.As4()
			lo := binary.BigEndian.Uint32(b[:])
			hi := lo | (^uint32(0) >> p.Bits())
			if p.Bits() == 0 {
				hi = ^uint32(0)
			}
			s.v4 = append(s.v4, span4{lo, hi})
			continue
		}
		b := a.As16()
		lo := u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
		hi := lo
		bits := p.Bits()
		switch {
		case bits == 0:
			hi = u128{^uint64(0), ^uint64(0)}
		case bits <= 64:
			hi.hi |= ^uint64(0) >> bits
			hi.lo = ^uint64(0)
		case bits < 128:
			hi.lo |= ^uint64(0) >> (bits - 64)
		}
		s.v6 = append(s.v6, span6{lo, hi})
	}
	s.v4 = merge4(s.v4)
	s.v6 = merge6(s.v6)
	return s
}

func merge4(in []span4) []span4 {
	slices.SortFunc(in, func(a, b span4) int {
		switch {
		case a.lo < b.lo:
			return -1
		case a.lo > b.lo:
			return 1
		}
		return 0
	})
	out := in[:0]
	for _, sp := range in {
		if n := len(out); n > 0 && (sp.lo <= out[n-1].hi || (out[n-1].hi != ^uint32(0) && sp.lo == out[n-1].hi+1)) {
			out[n-1].hi = max(out[n-1].hi, sp.hi)
			continue
		}
		out = append(out, sp)
	}
	return slices.Clip(out)
}

func merge6(in []span6) []span6 {
	slices.SortFunc(in, func(a, b span6) int {
		switch {
		case a.lo.less(b.lo):
			return -1
		case b.lo.less(a.lo):
			return 1
		}
		return 0
	})
	out := in[:0]
	for _, sp := range in {
		if n := len(out); n > 0 {
			last := &out[n-1]
			// Overlapping or adjacent: sp starts at or before last.hi+1
			// (or last already reaches the top of the space).
			if adj, ok := last.hi.next(); !ok || !adj.less(sp.lo) {
				if last.hi.less(sp.hi) {
					last.hi = sp.hi
				}
				continue
			}
		}
		out = append(out, sp)
	}
	return slices.Clip(out)
}

// Len is the number of disjoint ranges (after merging).
func (s *Set) Len() int { return len(s.v4) + len(s.v6) }

// Contains reports whether a is in one of the set's prefixes.
func (s *Set) Contains(a netip.Addr) bool {
	if a.Is4In6() {
		a = a.Unmap()
	}
	if a.Is4() {
		b := a.As4()
		x := binary.BigEndian.Uint32(b[:])
		// The first range starting after x; the one before it may hold x.
		i, j := 0, len(s.v4)
		for i < j {
			h := int(uint(i+j) >> 1)
			if s.v4[h].lo <= x {
				i = h + 1
			} else {
				j = h
			}
		}
		return i > 0 && x <= s.v4[i-1].hi
	}
	if !a.Is6() {
		return false
	}
	b := a.As16()
	x := u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
	i, j := 0, len(s.v6)
	for i < j {
		h := int(uint(i+j) >> 1)
		if !x.less(s.v6[h].lo) {
			i = h + 1
		} else {
			j = h
		}
	}
	return i > 0 && !s.v6[i-1].hi.less(x)
}

package iprestrict

import (
	"math/rand/v2"
	"net/netip"
	"testing"
)

func prefixes(t testing.TB, ss ...string) []netip.Prefix {
	t.Helper()
	var out []netip.Prefix
	for _, s := range ss {
		p, err := parseEntry(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func TestSetContains(t *testing.T) {
	s := NewSet(prefixes(t, "10.0.0.0/8", "10.1.0.0/16", "192.168.1.1", "192.168.1.2", "2001:db8::/32", "::ffff:172.16.0.0/108", "0.0.0.0/32"))
	for _, tt := range []struct {
		ip   string
		want bool
	}{
		{"10.0.0.0", true}, {"10.255.255.255", true}, {"11.0.0.0", false}, {"9.255.255.255", false},
		{"192.168.1.1", true}, {"192.168.1.2", true}, {"192.168.1.3", false}, {"192.168.1.0", false},
		{"::ffff:10.2.3.4", true}, {"172.16.5.5", true}, {"172.32.0.0", false},
		{"2001:db8::1", true}, {"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true}, {"2001:db9::", false},
		{"0.0.0.0", true}, {"0.0.0.1", false}, {"::", false},
	} {
		if got := s.Contains(netip.MustParseAddr(tt.ip)); got != tt.want {
			t.Errorf("Contains(%s) = %v; want %v", tt.ip, got, tt.want)
		}
	}
	if s.Len() != 5 { // 10/8 swallows 10.1/16; the two /32s merge
		t.Errorf("Len %d; want 5", s.Len())
	}
	all := NewSet(prefixes(t, "0.0.0.0/0", "::/0", "1.2.3.0/24"))
	if !all.Contains(netip.MustParseAddr("255.255.255.255")) || !all.Contains(netip.MustParseAddr("ffff::1")) || all.Len() != 2 {
		t.Errorf("/0 sets wrong: len %d", all.Len())
	}
}

// FuzzSet compares the compiled set with checking every prefix.
func FuzzSet(f *testing.F) {
	f.Add(uint64(1), []byte{10, 0, 0, 1})
	f.Add(uint64(7), []byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, seed uint64, addr []byte) {
		a, ok := netip.AddrFromSlice(addr)
		if !ok {
			return
		}
		rng := rand.New(rand.NewPCG(seed, seed))
		var ps []netip.Prefix
		for range 50 {
			ps = append(ps, randomPrefix(rng, a))
		}
		s := NewSet(append([]netip.Prefix(nil), ps...))
		want := false
		for _, p := range ps {
			if p.Contains(a.Unmap()) || p.Contains(a) {
				want = true
			}
		}
		if got := s.Contains(a); got != want {
			t.Fatalf("Contains(%s) = %v; want %v (prefixes %v)", a, got, want, ps)
		}
	})
}

// randomPrefix is near a (so that some contain it) or anywhere.
func randomPrefix(rng *rand.Rand, a netip.Addr) netip.Prefix {
	base := a.Unmap()
	if rng.IntN(3) == 0 {
		b := base.AsSlice()
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		base, _ = netip.AddrFromSlice(b)
	}
	p, _ := base.Prefix(rng.IntN(base.BitLen() + 1))
	return p
}

// randomSet is n random prefixes, mostly /24 to /32 IPv4 and /48 to
// /128 IPv6, as real blocklists are.
func randomSet(n int) ([]netip.Prefix, *rand.Rand) {
	rng := rand.New(rand.NewPCG(1, 2))
	ps := make([]netip.Prefix, 0, n)
	for range n {
		if rng.IntN(4) == 0 {
			var b [16]byte
			for i := range b {
				b[i] = byte(rng.UintN(256))
			}
			p, _ := netip.AddrFrom16(b).Prefix(48 + rng.IntN(81))
			ps = append(ps, p)
			continue
		}
		p, _ := netip.AddrFrom4([4]byte{byte(rng.UintN(256)), byte(rng.UintN(256)), byte(rng.UintN(256)), byte(rng.UintN(256))}).Prefix(24 + rng.IntN(9))
		ps = append(ps, p)
	}
	return ps, rng
}

func TestLargeSetAgreesWithPrefixes(t *testing.T) {
	ps, rng := randomSet(20000)
	s := NewSet(append([]netip.Prefix(nil), ps...))
	for i := range 2000 {
		var a netip.Addr
		if i%2 == 0 {
			a = ps[rng.IntN(len(ps))].Addr().Next()
		} else {
			a = netip.AddrFrom4([4]byte{byte(rng.UintN(256)), byte(rng.UintN(256)), byte(rng.UintN(256)), byte(rng.UintN(256))})
		}
		want := false
		for _, p := range ps {
			if p.Contains(a) {
				want = true
				break
			}
		}
		if got := s.Contains(a); got != want {
			t.Fatalf("Contains(%s) = %v; want %v", a, got, want)
		}
	}
}

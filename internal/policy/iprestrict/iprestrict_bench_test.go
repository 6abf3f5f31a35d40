package iprestrict

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// BenchmarkContains100k looks addresses up in a 100,000-entry list, the
// size of a real blocklist: the target is well under a microsecond.
func BenchmarkContains100k(b *testing.B) {
	ps, rng := randomSet(100000)
	s := NewSet(ps)
	addrs := make([]netip.Addr, 1024)
	for i := range addrs {
		addrs[i] = netip.AddrFrom4([4]byte{byte(rng.UintN(256)), byte(rng.UintN(256)), byte(rng.UintN(256)), byte(rng.UintN(256))})
		if i%4 == 0 {
			var b16 [16]byte
			for j := range b16 {
				b16[j] = byte(rng.UintN(256))
			}
			addrs[i] = netip.AddrFrom16(b16)
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s.Contains(addrs[i&1023])
		i++
	}
}

// BenchmarkHandle100k is the whole policy on a request, with 100,000
// deny entries and an allow list: what ip_restriction adds to a proxied
// request (compare with internal/gateway's BenchmarkGateway).
func BenchmarkHandle100k(b *testing.B) {
	ps, _ := randomSet(100000)
	deny := make([]string, len(ps))
	for i, p := range ps {
		deny[i] = p.String()
	}
	sp := &Spec{Deny: deny, Allow: []string{"0.0.0.0/0", "::/0"}}
	pol, err := sp.Build(pipeline.BuildContext{})
	if err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	st := &pipeline.State{ClientIP: "203.0.113.77"}
	r = pipeline.WithState(r, st)
	next := func(http.ResponseWriter, *http.Request) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		pol.Handle(nil, r, next)
	}
}

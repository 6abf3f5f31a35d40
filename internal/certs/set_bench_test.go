package certs

import (
	"crypto/tls"
	"testing"
)

// BenchmarkPick is the per-handshake certificate choice.
func BenchmarkPick(b *testing.B) {
	s := testSet(b, []string{"default.test"}, []string{"api.test"}, []string{"*.wild.test"})
	hellos := []*tls.ClientHelloInfo{{ServerName: "api.test"}, {ServerName: "x.wild.test"}, {ServerName: "other"}}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if s.pick(hellos[i%3]) == nil {
			b.Fatal("nil")
		}
	}
}

package certs

import (
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
)

// testSet issues certificates for each name list into a set, the first
// as the default.
func testSet(t testing.TB, names ...[]string) *set {
	t.Helper()
	ca, err := NewAuthority("test")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var files []config.Certificate
	for i, ns := range names {
		c, k, err := ca.IssueFiles(dir, string(rune('a'+i)), Leaf{CommonName: ns[0], DNS: ns})
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, config.Certificate{Cert: c, Key: k})
	}
	s, err := loadSet(files, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPick(t *testing.T) {
	s := testSet(t, []string{"default.test"}, []string{"api.test", "www.api.test"}, []string{"*.wild.test"}, []string{"api.test"})
	for _, tc := range []struct{ sni, want string }{
		{"api.test", "api.test"},
		{"WWW.API.TEST", "api.test"},
		{"api.test.", "api.test"},
		{"x.wild.test", "*.wild.test"},
		{"wild.test", "default.test"},
		{"y.x.wild.test", "default.test"},
		{"", "default.test"},
		{"nothing", "default.test"},
	} {
		got := s.pick(&tls.ClientHelloInfo{ServerName: tc.sni}).Leaf.Subject.CommonName
		if got != tc.want {
			t.Errorf("pick(%q) = %q; want %q", tc.sni, got, tc.want)
		}
	}
	if len(s.names) != 4 {
		t.Errorf("expiry names = %v; want one per certificate", s.names)
	}
}

func TestLoadSetRefusesExpiredAndMismatched(t *testing.T) {
	ca, _ := NewAuthority("test")
	dir := t.TempDir()
	c, k, _ := ca.IssueFiles(dir, "old", Leaf{DNS: []string{"a"}, NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-time.Hour)})
	if _, err := loadSet([]config.Certificate{{Cert: c, Key: k}}, time.Now()); err == nil {
		t.Error("expired certificate loaded")
	}
	c2, _, _ := ca.IssueFiles(dir, "b", Leaf{DNS: []string{"b"}})
	if _, err := loadSet([]config.Certificate{{Cert: c2, Key: k}}, time.Now()); err == nil {
		t.Error("mismatched key loaded")
	}
}

func TestTicketKeysRotate(t *testing.T) {
	tk := newTicketKeys()
	first := tk.keys[0]
	for range ticketKeep + 2 {
		tk.rotate()
	}
	if len(tk.keys) != ticketKeep {
		t.Errorf("kept %d keys; want %d", len(tk.keys), ticketKeep)
	}
	for _, k := range tk.keys {
		if k == first {
			t.Error("the oldest key survived past ticketKeep rotations")
		}
	}
}

// FuzzPick: any SNI a client sends picks a certificate and never panics.
func FuzzPick(f *testing.F) {
	s := testSet(f, []string{"default.test"}, []string{"*.wild.test"})
	for _, seed := range []string{"", ".", "..", "a.wild.test", "*.wild.test", "x.", "\x00", "wild.test."} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, sni string) {
		if s.pick(&tls.ClientHelloInfo{ServerName: sni}) == nil {
			t.Fatalf("no certificate for %q", sni)
		}
	})
}

func TestDefaultSuitesAreAEAD(t *testing.T) {
	m := &Manager{}
	conf, err := m.settings(&config.ListenerTLS{})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range conf.CipherSuites {
		name := tls.CipherSuiteName(id)
		if !strings.Contains(name, "ECDHE") || !(strings.Contains(name, "GCM") || strings.Contains(name, "CHACHA20")) {
			t.Errorf("default suite %s is not ECDHE with an AEAD", name)
		}
	}
	if conf.MinVersion != tls.VersionTLS12 || conf.NextProtos[0] != "h2" {
		t.Errorf("min version %x, ALPN %v", conf.MinVersion, conf.NextProtos)
	}
}

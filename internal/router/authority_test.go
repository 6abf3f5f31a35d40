package router

import (
	"net/url"
	"strings"
	"testing"
)

func TestParseHost(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"secure.example", "secure.example", true},
		{"Secure.Example:8080", "secure.example", true},
		{"secure.example.", "secure.example", true},
		{"secure.example.:80", "secure.example", true},
		{"secure.example:", "secure.example", true},
		{"internal_name.local", "internal_name.local", true},
		{"10.0.0.1:443", "10.0.0.1", true},
		{"[::1]", "::1", true},
		{"[2001:DB8::1]:8443", "2001:db8::1", true},
		{"secure.example:80:80", "", false},
		{"secure.example..", "", false},
		{"secure.example,other", "", false},
		{";x", "", false},
		{".", "", false},
		{":80", "", false},
		{".secure.example", "", false},
		{"secure..example", "", false},
		{"secure.example:65536", "", false},
		{"secure.example:123456", "", false},
		{"secure.example:8o", "", false},
		{"secure.example/x", "", false},
		{"user@secure.example", "", false},
		{"secure%2eexample", "", false},
		{"::1", "", false},
		{"[::1", "", false},
		{"[::1]x", "", false},
		{"[10.0.0.1]", "", false},
		{"[fe80::1%25eth0]", "", false},
		{"sécure.example", "", false},
	}
	for _, tt := range tests {
		got, ok := ParseHost(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseHost(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// FuzzParseHost: a host ParseHost accepts is canonical (parsing it again
// changes nothing), holds nothing but name or address characters, and is
// the host net/url finds in the same authority.
func FuzzParseHost(f *testing.F) {
	for _, s := range []string{
		"secure.example", "SECURE.example.:80", "secure.example:80:80", "secure.example..",
		"secure.example,other", ";x", "[::1]:8080", "[::1", "10.0.0.1", "a_b.c", "", ".", "x:",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		h, ok := ParseHost(in)
		if !ok {
			if h != "" {
				t.Fatalf("ParseHost(%q) refused but returned %q", in, h)
			}
			return
		}
		if h != strings.ToLower(h) || strings.HasSuffix(h, ".") || strings.ContainsAny(h, ",;/@%[] \t") {
			t.Fatalf("ParseHost(%q) = %q: not canonical", in, h)
		}
		again, ok2 := ParseHost(h)
		if strings.Contains(h, ":") { // IPv6: canonical without its brackets
			again, ok2 = ParseHost("[" + h + "]")
		}
		if !ok2 || again != h {
			t.Fatalf("ParseHost(%q) = %q, but that parses as %q, %v", in, h, again, ok2)
		}
		if in == "" {
			return
		}
		u, err := url.Parse("http://" + in + "/")
		if err != nil {
			t.Fatalf("ParseHost(%q) accepted what net/url refuses: %v", in, err)
		}
		if want := strings.TrimSuffix(strings.ToLower(u.Hostname()), "."); want != h {
			t.Fatalf("ParseHost(%q) = %q; net/url says host %q", in, h, want)
		}
	})
}

package proxy

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func resolve(t *testing.T, trusted []string, peer string, xff ...string) Client {
	t.Helper()
	tr, err := ParseTrust(trusted)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = peer
	for _, v := range xff {
		r.Header.Add("X-Forwarded-For", v)
	}
	return tr.Resolve(r)
}

func TestResolveClientIP(t *testing.T) {
	lb := []string{"10.0.0.0/8", "fd00::/8"}
	cases := []struct {
		name    string
		trusted []string
		peer    string
		xff     []string
		want    string
		trust   bool
	}{
		{"untrusted peer ignores XFF", lb, "203.0.113.5:1234", []string{"1.2.3.4"}, "203.0.113.5", false},
		{"no trust configured", nil, "10.0.0.1:1", []string{"1.2.3.4"}, "10.0.0.1", false},
		{"trusted peer, one hop", lb, "10.0.0.1:1", []string{"198.51.100.7"}, "198.51.100.7", true},
		{"spoofed left entry is not believed", lb, "10.0.0.1:1", []string{"6.6.6.6, 198.51.100.7"}, "198.51.100.7", true},
		{"trusted hops are skipped", lb, "10.0.0.1:1", []string{"198.51.100.7, 10.1.1.1, 10.2.2.2"}, "198.51.100.7", true},
		{"several header lines", lb, "10.0.0.1:1", []string{"6.6.6.6", "198.51.100.7, 10.9.9.9"}, "198.51.100.7", true},
		{"garbage stops the walk", lb, "10.0.0.1:1", []string{"198.51.100.7, not-an-ip"}, "10.0.0.1", true},
		{"all trusted falls back to the peer", lb, "10.0.0.1:1", []string{"10.3.3.3"}, "10.0.0.1", true},
		{"IPv6 peer and entry", lb, "[fd00::1]:443", []string{"2001:db8::9"}, "2001:db8::9", true},
		{"IPv4-mapped entry is unmapped", lb, "10.0.0.1:1", []string{"::ffff:198.51.100.7"}, "198.51.100.7", true},
		{"spaces around entries", lb, "10.0.0.1:1", []string{"  198.51.100.7  ,  10.0.0.2 "}, "198.51.100.7", true},
		{"IPv6 entry behind an IPv4 proxy", lb, "10.0.0.1:1", []string{"2001:db8::1, 10.0.0.2"}, "2001:db8::1", true},
		{"IPv6 entry is canonicalised", lb, "10.0.0.1:1", []string{"2001:DB8:0:0::1"}, "2001:db8::1", true},
		{"IPv6 peer without trust", lb, "[2001:db8::5]:443", []string{"198.51.100.7"}, "2001:db8::5", false},
		{"entry with a port is garbage", lb, "10.0.0.1:1", []string{"198.51.100.7:8080"}, "10.0.0.1", true},
		{"bracketed IPv6 entry is garbage", lb, "10.0.0.1:1", []string{"[2001:db8::1]"}, "10.0.0.1", true},
		{"empty entry stops the walk", lb, "10.0.0.1:1", []string{"198.51.100.7,,10.0.0.2"}, "10.0.0.1", true},
		{"garbage left of the client is never reached", lb, "10.0.0.1:1", []string{"not-an-ip, 198.51.100.7"}, "198.51.100.7", true},
		{"obfuscated 'unknown' is garbage", lb, "10.0.0.1:1", []string{"unknown"}, "10.0.0.1", true},
		{"empty header", lb, "10.0.0.1:1", []string{""}, "10.0.0.1", true},
		{"no header from a trusted peer", lb, "10.0.0.1:1", nil, "10.0.0.1", true},
		{"spoofed trusted-looking entry from the client", lb, "203.0.113.5:1", []string{"10.0.0.3"}, "203.0.113.5", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := resolve(t, c.trusted, c.peer, c.xff...)
			if got.IP != c.want || got.PeerTrusted != c.trust {
				t.Fatalf("IP %q trusted %v; want %q %v", got.IP, got.PeerTrusted, c.want, c.trust)
			}
		})
	}
}

func TestResolveProtoAndHost(t *testing.T) {
	tr, _ := ParseTrust([]string{"10.0.0.1"})
	r := httptest.NewRequest("GET", "/", nil)
	r.Host = "internal:8080"
	r.RemoteAddr = "10.0.0.1:5"
	r.Header.Set("X-Forwarded-Proto", "https")
	r.Header.Set("X-Forwarded-Host", "api.example.com")
	if c := tr.Resolve(r); c.Scheme != "https" || c.Host != "api.example.com" {
		t.Fatalf("from a trusted peer: %+v", c)
	}
	r.Header.Set("X-Forwarded-Proto", "gopher")
	if c := tr.Resolve(r); c.Scheme != "http" {
		t.Fatalf("unknown proto believed: %+v", c)
	}
	r.RemoteAddr = "192.0.2.1:5"
	r.Header.Set("X-Forwarded-Proto", "https")
	if c := tr.Resolve(r); c.Scheme != "http" || c.Host != "internal:8080" {
		t.Fatalf("from an untrusted peer: %+v", c)
	}
}

func TestParseTrustErrors(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "nope", "10.0.0.1/"} {
		if _, err := ParseTrust([]string{bad}); err == nil {
			t.Errorf("ParseTrust(%q) accepted", bad)
		}
	}
}

// FuzzResolveXFF: whatever X-Forwarded-For a client sends, the resolved
// IP is the peer or a well-formed address that appears in the header and
// is not a trusted proxy.
func FuzzResolveXFF(f *testing.F) {
	for _, s := range []string{"1.2.3.4", "1.2.3.4, 10.0.0.2", ",,,", "::ffff:1.2.3.4", "[::1]", "1.2.3.4 ,\t5.6.7.8", "\x00"} {
		f.Add(s, s)
	}
	tr, _ := ParseTrust([]string{"10.0.0.0/8"})
	f.Fuzz(func(t *testing.T, a, b string) {
		r := &http.Request{RemoteAddr: "10.0.0.1:9", Header: http.Header{"X-Forwarded-For": {a, b}}, Host: "h"}
		c := tr.Resolve(r)
		if c.IP == "10.0.0.1" {
			return
		}
		ip, err := netip.ParseAddr(c.IP)
		if err != nil {
			t.Fatalf("resolved IP %q is not an address", c.IP)
		}
		if tr.Contains(ip) {
			t.Fatalf("resolved a trusted proxy %q as the client", c.IP)
		}
		if !strings.Contains(a+","+b, strings.TrimPrefix(c.IP, "::ffff:")) && !strings.Contains(strings.ToLower(a+","+b), c.IP) {
			// Unmapped or canonicalised forms may differ in spelling; the
			// address itself must still have come from the header.
			found := false
			for _, part := range strings.FieldsFunc(a+","+b, func(r rune) bool { return r == ',' }) {
				if p, err := netip.ParseAddr(strings.TrimSpace(part)); err == nil && p.Unmap() == ip {
					found = true
				}
			}
			if !found {
				t.Fatalf("resolved %q, which is not in %q / %q", c.IP, a, b)
			}
		}
	})
}

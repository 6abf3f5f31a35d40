package cors

import (
	"strings"
	"testing"
)

func TestOrigins(t *testing.T) {
	o := compileOrigins([]string{"https://app.example.com", "https://*.example.org", "http://localhost:3000"})
	for _, tt := range []struct {
		origin string
		want   bool
	}{
		{"https://app.example.com", true},
		{"HTTPS://APP.EXAMPLE.COM", true},
		{"http://app.example.com", false},
		{"https://app.example.com.evil.com", false},
		{"https://a.example.org", true},
		{"https://a.b.example.org", true},
		{"https://example.org", false},
		{"https://.example.org", false},
		{"https://a..example.org", false},
		{"https://evil.com/.example.org", false},
		{"https://evil.com:1.example.org", false},
		{"https://a.example.org:8443", false},
		{"http://localhost:3000", true},
		{"http://localhost:3001", false},
		{"null", false},
		{"", false},
	} {
		if got := o.allowed(tt.origin); got != tt.want {
			t.Errorf("allowed(%q) = %v; want %v", tt.origin, got, tt.want)
		}
	}
	if any := compileOrigins([]string{"*"}); !any.allowed("https://whatever.test") {
		t.Error(`"*" refused an origin`)
	}
}

// FuzzOriginPattern checks that a pattern never lets in an origin that
// does not end in its suffix or holds characters a host cannot.
func FuzzOriginPattern(f *testing.F) {
	for _, s := range []string{"https://a.example.org", "https://evil.com/.example.org", "https://a.b.example.org", "https://%2e.example.org"} {
		f.Add(s)
	}
	o := compileOrigins([]string{"https://*.example.org"})
	f.Fuzz(func(t *testing.T, origin string) {
		if !o.allowed(origin) {
			return
		}
		l := strings.ToLower(origin)
		mid, ok := strings.CutPrefix(l, "https://")
		if !ok || !strings.HasSuffix(mid, ".example.org") || strings.ContainsAny(mid, "/:@?#%\\ ") {
			t.Fatalf("pattern allowed %q", origin)
		}
	})
}

package router

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzNormalize checks the invariants the router and the proxy rely on,
// for any input and both separator modes.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"/", "/a/b", "//a///b", "/a/./b", "/a/b/../c", "/../../x", "/a/b/..",
		"/public/../admin", "/public/%2e%2e/admin", "/public/%2E%2E/admin",
		"/public/..%2fadmin", "/public%2f..%2fadmin", "/public/..\\admin",
		"/public/..%5cadmin", "//admin", "/./admin", "/public/./../admin",
		"/%61dmin", "/a%00b", "/a#b", "/caf%C3%A9", "/%zz", "/%4", "/a%2541",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, in string, decode bool) {
		out, err := Normalize(in, decode)
		if err != nil {
			if _, ok := err.(*PathError); !ok {
				t.Fatalf("Normalize(%q) error %T; want *PathError", in, err)
			}
			return
		}
		switch {
		case !strings.HasPrefix(out, "/"):
			t.Fatalf("Normalize(%q) = %q; want a leading slash", in, out)
		case strings.Contains(out, "//"):
			t.Fatalf("Normalize(%q) = %q; has an empty segment", in, out)
		case strings.Contains(out, "/./"), strings.Contains(out, "/../"),
			strings.HasSuffix(out, "/."), strings.HasSuffix(out, "/.."):
			t.Fatalf("Normalize(%q) = %q; has a dot segment", in, out)
		case strings.IndexByte(out, 0) >= 0:
			t.Fatalf("Normalize(%q) = %q; has a NUL", in, out)
		}
		// What the proxy sends upstream must normalise to the same path,
		// or the upstream could see a different path than was routed.
		esc := (&url.URL{Path: out}).EscapedPath()
		again, err := Normalize(esc, decode)
		if err != nil || again != out {
			t.Fatalf("Normalize(%q) = %q; re-escaped %q normalises to %q, %v", in, out, esc, again, err)
		}
	})
}

package router

import (
	"errors"
	"testing"
)

func TestNormalize(t *testing.T) {
	const bad = "\x00error" // marks a case that must fail
	tests := []struct {
		name   string
		in     string
		decode bool
		want   string
	}{
		// Start.
		{"empty", "", false, bad},
		{"no leading slash", "a/b", false, bad},
		{"asterisk form", "*", false, bad},
		{"root", "/", false, "/"},
		{"clean", "/a/b", false, "/a/b"},
		{"clean trailing slash", "/a/", false, "/a/"},

		// Forbidden bytes.
		{"raw NUL", "/a\x00b", false, bad},
		{"raw hash", "/a#b", false, bad},
		{"raw newline", "/a\nb", false, bad},
		{"raw tab", "/a\tb", false, bad},
		{"raw DEL", "/a\x7fb", false, bad},
		{"raw NUL decode mode", "/a\x00b", true, bad},

		// Escapes.
		{"invalid escape", "/%zz", false, bad},
		{"short escape", "/%4", false, bad},
		{"bare percent", "/a%", false, bad},
		{"half-hex escape", "/%4g", false, bad},
		{"encoded NUL", "/a%00b", false, bad},
		{"encoded NUL decode mode", "/a%00b", true, bad},
		{"encoded LF", "/a%0Ab", false, bad},
		{"encoded CR decode mode", "/a%0db", true, bad},
		{"encoded DEL", "/a%7Fb", false, bad},
		{"letter", "/%61dmin", false, "/admin"},
		{"upper letter", "/%41", false, "/A"},
		{"utf-8", "/caf%C3%A9", false, "/café"},
		{"lower hex utf-8", "/caf%c3%a9", false, "/café"},
		{"percent decoded once", "/a%2541", false, "/a%41"},
		{"encoded hash", "/a%23b", false, "/a#b"},
		{"encoded query mark", "/a%3Fb", false, "/a?b"},
		{"encoded slash", "/a%2Fb", false, bad},
		{"encoded slash lower", "/a%2fb", false, bad},
		{"encoded backslash", "/a%5Cb", false, bad},
		{"encoded backslash lower", "/a%5cb", false, bad},
		{"encoded dot", "/a%2Eb", false, bad},
		{"encoded dot lower", "/a%2eb", false, bad},
		{"raw backslash", "/a\\b", false, bad},
		{"encoded slash decoded", "/a%2Fb", true, "/a/b"},
		{"encoded backslash decoded", "/a%5cb", true, "/a/b"},
		{"raw backslash decoded", "/a\\b", true, "/a/b"},
		{"encoded dot decoded", "/a%2eb", true, "/a.b"},

		// Slashes.
		{"double slash", "//a///b", false, "/a/b"},
		{"only slashes", "///", false, "/"},
		{"double trailing slash", "/a//", false, "/a/"},

		// Dot segments.
		{"dot", "/a/./b", false, "/a/b"},
		{"dot dot", "/a/b/../c", false, "/a/c"},
		{"dot dot at root", "/..", false, "/"},
		{"dot dot past root", "/../../x", false, "/x"},
		{"trailing dot", "/a/b/.", false, "/a/b/"},
		{"trailing dot dot", "/a/b/..", false, "/a/"},
		{"lone dot", "/.", false, "/"},
		{"dot file", "/.well-known/x", false, "/.well-known/x"},
		{"three dots", "/a/.../b", false, "/a/.../b"},
		{"dots inside name", "/a/..b/c..", false, "/a/..b/c.."},
		{"dot dot trailing slash", "/a/b/../", false, "/a/"},

		// Traversal attempts that must not reach /public.
		{"bypass plain", "/public/../admin", false, "/admin"},
		{"bypass %2e%2e", "/public/%2e%2e/admin", false, bad},
		{"bypass %2E%2E", "/public/%2E%2E/admin", false, bad},
		{"bypass %2e%2e decoded", "/public/%2e%2e/admin", true, "/admin"},
		{"bypass %2E%2E decoded", "/public/%2E%2E/admin", true, "/admin"},
		{"bypass mixed %2e.", "/public/%2e./admin", true, "/admin"},
		{"bypass ..%2f", "/public/..%2fadmin", false, bad},
		{"bypass ..%2f decoded", "/public/..%2fadmin", true, "/admin"},
		{"bypass %2f..%2f", "/public%2f..%2fadmin", false, bad},
		{"bypass %2f..%2f decoded", "/public%2f..%2fadmin", true, "/admin"},
		{"bypass backslash", "/public/..\\admin", false, bad},
		{"bypass backslash decoded", "/public/..\\admin", true, "/admin"},
		{"bypass ..%5c", "/public/..%5cadmin", false, bad},
		{"bypass ..%5c decoded", "/public/..%5cadmin", true, "/admin"},
		{"bypass double slash", "//admin", false, "/admin"},
		{"bypass dot", "/./admin", false, "/admin"},
		{"bypass dot dot dot", "/public/./../admin", false, "/admin"},
		{"bypass escaped letter", "/%61dmin", false, "/admin"},
		{"bypass NUL", "/a%00b", true, bad},
		{"bypass hash", "/a#b", true, bad},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Normalize(tt.in, tt.decode)
			if tt.want == bad {
				var pe *PathError
				if !errors.As(err, &pe) || pe.Reason == "" {
					t.Fatalf("Normalize(%q, %v) = %q, %v; want a *PathError", tt.in, tt.decode, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Normalize(%q, %v) = %q, %v; want %q", tt.in, tt.decode, got, err, tt.want)
			}
		})
	}
}

func TestNormalizeReason(t *testing.T) {
	_, err := Normalize("/public%2f..%2fadmin", false)
	want := `encoded "/" not allowed in path`
	var pe *PathError
	if !errors.As(err, &pe) || pe.Reason != want {
		t.Fatalf("got %v; want reason %q", err, want)
	}
}

func TestNormalizeCleanDoesNotAllocate(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := Normalize("/svc5000/v1/resource/123/items", false); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("got %v allocs; want 0", allocs)
	}
}

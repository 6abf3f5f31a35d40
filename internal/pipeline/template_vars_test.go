package pipeline

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestTemplateIdentityAndTimings covers the variables transforms use:
// consumer, claims, query parameters and the two timings.
func TestTemplateIdentityAndTimings(t *testing.T) {
	r := httptest.NewRequest("GET", "/x?tenant=acme&tenant=other", nil)
	st := &State{
		Start:           time.Now().Add(-1500 * time.Millisecond),
		UpstreamLatency: 2500 * time.Microsecond,
		Consumer:        &Consumer{Name: "mobile"},
		Claims: map[string]any{"sub": "u-1", "n": float64(42), "ok": true,
			"realm_access": map[string]any{"roles": []any{"admin", "ops"}}},
	}
	for src, want := range map[string]string{
		"{consumer}":                 "mobile",
		"{claim.sub}/{claim.n}":      "u-1/42",
		"{claim.ok}":                 "true",
		"{claim.realm_access.roles}": "admin ops",
		"{claim.missing.deep}":       "",
		"{query.tenant}":             "acme",
		"{upstream_latency}":         "2.500",
	} {
		tpl, err := CompileTemplate(src)
		if err != nil {
			t.Fatalf("CompileTemplate(%q): %v", src, err)
		}
		if got := tpl.Expand(r, st); got != want {
			t.Errorf("%q expanded to %q; want %q", src, got, want)
		}
	}
	tpl, _ := CompileTemplate("{latency}")
	if got := tpl.Expand(r, st); !strings.HasPrefix(got, "1") || !strings.Contains(got, ".") {
		t.Errorf("{latency} = %q; want about 1500 milliseconds with a fraction", got)
	}
	anon, _ := CompileTemplate("[{consumer}]")
	if got := anon.Expand(r, &State{}); got != "[]" {
		t.Errorf("anonymous {consumer} = %q; want empty", got)
	}
	for _, bad := range []string{"{claim.}", "{claim..a}", "{query.}"} {
		if _, err := CompileTemplate(bad); err == nil {
			t.Errorf("CompileTemplate(%q) accepted", bad)
		}
	}
}

package router

import "testing"

// TestMethodMiss: a 405 names the highest-priority route that missed by
// method alone, whose pre-route policies then answer for it.
func TestMethodMiss(t *testing.T) {
	tb, err := Compile([]Spec{
		{PathPrefix: "/api", Methods: []string{"POST"}},
		{Path: "/api/orders", Methods: []string{"GET"}},
		{PathPrefix: "/api/orders", Methods: []string{"PUT"}},
		{Path: "/other"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path string
		want int
	}{{"/api/orders", 1}, {"/api/orders/7", 2}, {"/api/x", 0}} {
		got := req{method: "OPTIONS", path: tt.path}.do(t, tb)
		if got.Index != -1 || len(got.Allow) == 0 || got.MethodMiss != tt.want {
			t.Errorf("%s: index %d allow %q miss %d; want a 405 missed by route %d", tt.path, got.Index, got.Allow, got.MethodMiss, tt.want)
		}
	}
}

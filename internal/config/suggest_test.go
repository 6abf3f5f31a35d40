package config

import "testing"

func TestSuggest(t *testing.T) {
	opts := []string{"services", "routes", "listeners", "paths", "access_log", "policies"}
	cases := map[string]string{
		"servces":    ` (did you mean "services"?)`,
		"Services":   ` (did you mean "services"?)`,
		"rotues":     ` (did you mean "routes"?)`, // transposition counts once
		"listner":    ` (did you mean "listeners"?)`,
		"accesslog":  ` (did you mean "access_log"?)`,
		"xyzzy":      "",
		"p":          "",
		"services":   "", // exact: not a typo
		"polices":    ` (did you mean "policies"?)`,
		"policy":     "", // three edits: too far for a 6-letter name
		"plugins":    "",
		"access_log": "",
	}
	for name, want := range cases {
		if got := Suggest(name, opts); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", name, got, want)
		}
	}
	if got := Suggest("x", nil); got != "" {
		t.Errorf("no options: %q", got)
	}
}

func TestEditDistance(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"", "abc", 3}, {"abc", "abc", 0}, {"abc", "acb", 1},
		{"kitten", "sitting", 3}, {"héllo", "hello", 1},
	}
	for _, c := range cases {
		if got := editDistance(c.a, c.b); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

package e2e

import (
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"testing"
)

// mergeBomb is a thousand bytes of merge keys, each step merging the
// previous anchor twice: 2^25 copies of the first mapping once expanded.
func mergeBomb() string {
	var b strings.Builder
	b.WriteString("x-m0: &m0 {path: /a}\n")
	for i := 1; i <= 25; i++ {
		fmt.Fprintf(&b, "x-m%d: &m%d {<<: [*m%d, *m%d]}\n", i, i, i-1, i-1)
	}
	b.WriteString("services: [{name: s, targets: [{url: 'http://127.0.0.1:1'}]}]\n")
	b.WriteString("routes: [{name: r, service: s, match: {<<: *m25}}]\n")
	return b.String()
}

// TestYAMLMergeKeysCounted: merge expansion counts against the alias
// budget, so the document is refused with an error naming where, both by
// `gatehouse validate` and by the admin API's dry run.
func TestYAMLMergeKeysCounted(t *testing.T) {
	const want = "x-m16: aliases and merge keys (<<) expand to more than 250000 values"
	file := writeFile(t, "bomb.yaml", mergeBomb())
	out, err := exec.Command(binary, "validate", file).Output()
	if err == nil || !strings.Contains(string(out), file+":17:19: "+want) {
		t.Errorf("validate: err %v, output %q; want the budget error at line 17", err, out)
	}

	a := startAdmin(t, "tok")
	code, m, raw := a.call("POST", "/config?dry_run=true", mergeBomb())
	errs, _ := m["errors"].([]any)
	if code != http.StatusUnprocessableEntity || len(errs) != 1 || !strings.HasSuffix(fmt.Sprint(errs[0]), ":17:19: "+want) {
		t.Errorf("dry run: %d %s; want 422 naming the budget", code, raw)
	}
}

package config

import (
	"fmt"
	"strings"
	"testing"
)

// mergeChain is n anchors, each merging the previous one twice, so the
// last stands for 2^n copies of the first.
func mergeChain(n int) string {
	var b strings.Builder
	b.WriteString("m0: &m0 {a: 1}\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "m%d: &m%d {<<: [*m%d, *m%d]}\n", i, i, i-1, i-1)
	}
	return b.String()
}

func TestMergeExpansionCounted(t *testing.T) {
	tests := []struct {
		name, doc string
		wantErr   string // "" when the document must decode
	}{
		{"a few merges", mergeChain(4), ""},
		{"one merge of a big block", "b: &b {x: [" + strings.Repeat("1, ", 999) + "1]}\nc: {<<: *b}\n", ""},
		{"chained merges double", mergeChain(40), "m16: aliases and merge keys (<<) expand to more than 250000 values"},
		{"merges under a list", mergeChain(12) + "l: [" + strings.Repeat("{<<: *m12}, ", 24) + "x]\n", "l[18]: aliases and merge keys"},
		{"aliases of aliases", "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n" +
			"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n" +
			"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n", "f[1]: aliases"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v map[string]any
			errs := Decode(node(t, tt.doc), "", &v)
			got := strings.Join(errStrings(errs), "\n")
			switch {
			case tt.wantErr == "" && len(errs) > 0:
				t.Fatalf("errors %s; want none", got)
			case tt.wantErr != "" && (len(errs) != 1 || !strings.Contains(string(errs[0].Path)+": "+errs[0].Msg, tt.wantErr)):
				t.Fatalf("errors %q; want one containing %q", got, tt.wantErr)
			}
		})
	}
}

// TestMergeExpansionCountedInParse: the chained-merge document from the
// field (a thousand bytes) is refused by Parse, positioned.
func TestMergeExpansionCountedInParse(t *testing.T) {
	doc := "x-" + strings.ReplaceAll(mergeChain(25), "\nm", "\nx-m") +
		"listeners: [{name: p, addr: '127.0.0.1:0'}]\nservices: [{name: s, targets: [{url: 'http://127.0.0.1:1'}]}]\n" +
		"routes: [{name: r, service: s, match: {<<: *m25}}]\n"
	_, err := testLoader.Parse([]byte(doc), "chain.yaml")
	if err == nil || !strings.Contains(err.Error(), "chain.yaml:17:19: x-m16: aliases and merge keys (<<) expand to more than") {
		t.Fatalf("err = %v; want the budget error at x-m16", err)
	}
}

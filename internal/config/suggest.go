package config

import (
	"fmt"
	"strings"
)

// Suggest returns ` (did you mean "x"?)` naming the option closest to name,
// or "" when no option is close enough to be a likely typo. It is meant to
// be appended to "unknown ..." messages: unknown fields here, unknown
// service and policy names elsewhere.
//
// Close enough means an edit distance (insert, delete, substitute or swap
// two neighbours, ignoring case) of at most max(2, len(name)/3): short
// names tolerate two slips, long ones proportionally more, and nothing
// unrelated gets suggested. Ties go to the earlier option.
func Suggest(name string, options []string) string {
	limit := max(2, len([]rune(name))/3)
	best, bestDist := "", limit+1
	lower := strings.ToLower(name)
	for _, opt := range options {
		if opt == name {
			// Exact matches are not typos; callers only ask about
			// names they could not find.
			continue
		}
		if d := editDistance(lower, strings.ToLower(opt)); d < bestDist {
			best, bestDist = opt, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the optimal string alignment distance between a and b:
// Levenshtein plus transposition of adjacent runes, the commonest typo.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// Three rolling rows: the transposition step looks two rows back.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

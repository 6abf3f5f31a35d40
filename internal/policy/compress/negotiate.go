package compress

import (
	"strconv"
	"strings"
)

// Content codings the policy speaks, as named in Accept-Encoding.
const (
	gzipName   = "gzip"
	brName     = "br"
	zstdName   = "zstd"
	maxCodings = 3
)

// choose picks the coding for a response from the client's
// Accept-Encoding values (RFC 9110, 12.5.3): the highest q-value wins,
// and among equal q-values the server's preference order. A coding with
// q=0 is refused, "*" stands for any coding not named, and "" means the
// client takes none. It allocates nothing.
func choose(accept []string, prefer []string) string {
	var q [maxCodings]int // thousandths; -1: not named
	for i := range q {
		q[i] = -1
	}
	star := -1
	for _, v := range accept {
		for v != "" {
			var item string
			item, v, _ = strings.Cut(v, ",")
			name, params, _ := strings.Cut(item, ";")
			name = strings.TrimSpace(name)
			w := qvalue(params)
			if w < 0 {
				continue // malformed: ignore the item, as if not sent
			}
			switch {
			case name == "*":
				star = w
			case strings.EqualFold(name, gzipName), strings.EqualFold(name, "x-gzip"):
				q[0] = max(q[0], w)
			case strings.EqualFold(name, brName):
				q[1] = max(q[1], w)
			case strings.EqualFold(name, zstdName):
				q[2] = max(q[2], w)
			}
		}
	}
	best, bestQ := "", 0
	for _, name := range prefer {
		w := q[index(name)]
		if w < 0 {
			w = star
		}
		if w > bestQ {
			best, bestQ = name, w
		}
	}
	return best
}

func index(name string) int {
	switch name {
	case brName:
		return 1
	case zstdName:
		return 2
	}
	return 0
}

// qvalue reads ";q=0.5"-style parameters: 1000 without a q, the weight
// in thousandths, or -1 when the q is malformed.
func qvalue(params string) int {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		v = strings.TrimSpace(v)
		if v == "" || len(v) > 5 {
			return -1
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f > 1 {
			return -1
		}
		return int(f*1000 + 0.5)
	}
	return 1000
}

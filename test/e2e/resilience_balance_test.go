package e2e

import (
	"math"
	"strconv"
	"testing"
)

const weightedService = `
services:
  - name: bal-${ALG}
    balance: ${ALG}
    targets:
      - {url: "${A}", weight: 1}
      - {url: "${B}", weight: 2}
      - {url: "${C}", weight: 3}
routes:
  - {name: all, match: {path_prefix: /}, service: bal-${ALG}}
`

// TestBalancerDistribution sends N requests through each weighted
// algorithm and checks every target's share against its weight.
func TestBalancerDistribution(t *testing.T) {
	const n = 600
	tests := []struct {
		algorithm string
		tolerance float64 // absolute, on the share
	}{
		{"round_robin", 0.0},
		{"random", 0.07},
		{"least_requests", 0.07},
	}
	for _, tt := range tests {
		t.Run(tt.algorithm, func(t *testing.T) {
			a, b, c := newBackend(t, "a"), newBackend(t, "b"), newBackend(t, "c")
			v := vars(a, b, c)
			v["ALG"] = tt.algorithm
			g := startGateway(t, weightedService, v)
			counts := g.countBy(t, n, "GET", "/x")
			for name, w := range map[string]float64{"a": 1, "b": 2, "c": 3} {
				want := w / 6
				got := float64(counts[name]) / n
				if math.Abs(got-want) > tt.tolerance+1e-9 {
					t.Errorf("%s share = %.3f; want %.3f ± %.2f (counts %v)", name, got, want, tt.tolerance, counts)
				}
			}
		})
	}
}

const hashService = `
services:
  - name: hash-${N}
    balance: consistent_hash
    hash_on: {source: header, name: X-User}
    targets:
      - {url: "${A}"}
      - {url: "${B}"}
      - {url: "${C}"}
${EXTRA}
routes:
  - {name: all, match: {path_prefix: /}, service: hash-${N}}
`

func TestConsistentHashing(t *testing.T) {
	a, b, c, d := newBackend(t, "a"), newBackend(t, "b"), newBackend(t, "c"), newBackend(t, "d")
	v := vars(a, b, c, d)
	v["N"], v["EXTRA"] = "three", ""
	g3 := startGateway(t, hashService, v)
	v["N"], v["EXTRA"] = "four", `      - {url: "`+d.URL+`"}`
	g4 := startGateway(t, hashService, v)

	const keys = 200
	owner := func(g *gw, key string) string {
		resp, body := g.do("GET", "/x", nil, "X-User", key)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d (%s)", resp.StatusCode, body)
		}
		return resp.Header.Get("X-Backend")
	}
	before := make([]string, keys)
	spread := map[string]int{}
	for i := range keys {
		before[i] = owner(g3, "user-"+strconv.Itoa(i))
		spread[before[i]]++
	}
	t.Run("same key, same target", func(t *testing.T) {
		for i := 0; i < keys; i += 10 {
			for range 3 {
				if got := owner(g3, "user-"+strconv.Itoa(i)); got != before[i] {
					t.Fatalf("user-%d went to %s, earlier to %s", i, got, before[i])
				}
			}
		}
	})
	t.Run("keys spread over targets", func(t *testing.T) {
		for _, name := range []string{"a", "b", "c"} {
			if spread[name] < keys/6 {
				t.Errorf("%s owns %d of %d keys; want at least %d", name, spread[name], keys, keys/6)
			}
		}
	})
	t.Run("adding a target moves few keys", func(t *testing.T) {
		moved := 0
		for i := range keys {
			got := owner(g4, "user-"+strconv.Itoa(i))
			if got == before[i] {
				continue
			}
			moved++
			if got != "d" {
				t.Errorf("user-%d moved from %s to %s; only moves to the new target are expected", i, before[i], got)
			}
		}
		// Ideal is a quarter of the keys.
		if moved > keys*2/5 {
			t.Errorf("%d of %d keys moved; want about %d, at most %d", moved, keys, keys/4, keys*2/5)
		}
		if moved == 0 {
			t.Errorf("no key moved to the new target")
		}
	})
}

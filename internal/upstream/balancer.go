package upstream

import (
	"math/rand/v2"
	"slices"
	"sync/atomic"
)

// Balancing algorithms, as written in the config.
const (
	RoundRobin     = "round_robin"
	LeastRequests  = "least_requests"
	Random         = "random"
	ConsistentHash = "consistent_hash"
)

// Algorithms lists the balancing algorithms.
var Algorithms = []string{RoundRobin, LeastRequests, Random, ConsistentHash}

// balancer chooses among targets. f filters out targets that are out of
// rotation or already tried; key is the request's hash key (consistent
// hashing only). A balancer returns nil when ok refuses every target.
type balancer interface {
	pick(key uint64, f filter) *Target
}

// randUint64 is the randomness of random and least_requests; tests swap
// in a seeded source. math/rand/v2's top-level source needs no lock.
type randFunc func() uint64

func newBalancer(algorithm string, targets []*Target, loadFactor int, rnd randFunc) balancer {
	if rnd == nil {
		rnd = rand.Uint64
	}
	switch algorithm {
	case LeastRequests:
		return newLeastRequests(targets, rnd)
	case Random:
		return &random{targets: targets, rnd: rnd}
	case ConsistentHash:
		return newRing(targets, loadFactor)
	default:
		return newRoundRobin(targets)
	}
}

// roundRobin lays out one cycle of nginx's smooth weighted round robin at
// build time, so a pick is one atomic add; a target out of rotation is
// skipped in favour of the next in the cycle.
type roundRobin struct {
	order []*Target
	next  atomic.Uint64
}

func newRoundRobin(ts []*Target) *roundRobin {
	return &roundRobin{order: smoothWeighted(ts)}
}

func (b *roundRobin) pick(_ uint64, f filter) *Target {
	n := uint64(len(b.order))
	start := b.next.Add(1) - 1
	for i := range n {
		if t := b.order[(start+i)%n]; f.ok(t) {
			return t
		}
	}
	return nil
}

// smoothWeighted lays out one cycle of nginx's smooth weighted round robin,
// which spreads a heavy target's turns instead of bunching them.
func smoothWeighted(ts []*Target) []*Target {
	total := 0
	for _, t := range ts {
		total += t.Weight
	}
	current := make([]int, len(ts))
	order := make([]*Target, 0, total)
	for range total {
		best := 0
		for i, t := range ts {
			current[i] += t.Weight
			if current[i] > current[best] {
				best = i
			}
		}
		current[best] -= total
		order = append(order, ts[best])
	}
	return order
}

// random picks a target with probability proportional to its weight.
type random struct {
	targets []*Target
	rnd     randFunc
}

func (b *random) pick(_ uint64, f filter) *Target {
	total := 0
	for _, t := range b.targets {
		if f.ok(t) {
			total += t.Weight
		}
	}
	if total == 0 {
		return nil
	}
	n := int(b.rnd() % uint64(total))
	for _, t := range b.targets {
		if !f.ok(t) {
			continue
		}
		if n < t.Weight {
			return t
		}
		n -= t.Weight
	}
	return nil
}

// leastRequests is the power of two choices: of two targets drawn by
// weight, the one with fewer requests in flight per unit of weight. It
// avoids both the herd that "globally least loaded" causes and a full scan
// per request.
type leastRequests struct {
	targets []*Target
	// cum[i] is the sum of the weights of targets[0..i].
	cum []int
	rnd randFunc
}

func newLeastRequests(ts []*Target, rnd randFunc) *leastRequests {
	b := &leastRequests{targets: ts, rnd: rnd, cum: make([]int, len(ts))}
	sum := 0
	for i, t := range ts {
		sum += t.Weight
		b.cum[i] = sum
	}
	return b
}

// draw returns a target with probability proportional to its weight.
func (b *leastRequests) draw() *Target {
	n := int(b.rnd() % uint64(b.cum[len(b.cum)-1]))
	i, _ := slices.BinarySearch(b.cum, n+1)
	return b.targets[i]
}

// drawExcept draws by weight among the targets other than a, so the two
// choices are distinct.
func (b *leastRequests) drawExcept(a *Target) *Target {
	n := int(b.rnd() % uint64(b.cum[len(b.cum)-1]-a.Weight))
	for _, t := range b.targets {
		if t == a {
			continue
		}
		if n < t.Weight {
			return t
		}
		n -= t.Weight
	}
	return a
}

func (b *leastRequests) pick(_ uint64, f filter) *Target {
	if len(b.targets) == 1 {
		if f.ok(b.targets[0]) {
			return b.targets[0]
		}
		return nil
	}
	for range 3 {
		a := b.draw()
		c := b.drawExcept(a)
		switch okA, okC := f.ok(a), f.ok(c); {
		case okA && okC:
			return lessLoaded(a, c)
		case okA:
			return a
		case okC:
			return c
		}
	}
	// Most targets are out: scan for the least loaded that is left.
	var best *Target
	for _, t := range b.targets {
		if f.ok(t) && (best == nil || lessLoaded(t, best) == t) {
			best = t
		}
	}
	return best
}

// lessLoaded compares in-flight requests per unit of weight without
// dividing: a/wa < c/wc ⇔ a·wc < c·wa.
func lessLoaded(a, c *Target) *Target {
	if a.InFlight()*int64(c.Weight) <= c.InFlight()*int64(a.Weight) {
		return a
	}
	return c
}

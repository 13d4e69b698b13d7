package srvdial

import (
	"math/rand/v2"
	"sort"
)

// Target is one SRV record: where to connect, and its place in RFC 2782's order.
type Target struct {
	// Host is the SRV target (a name, or the address the resolver found for it); Port its port.
	Host string
	Port uint16
	// Priority and Weight are the SRV fields: lower priority first, weight within a priority.
	Priority, Weight uint16
}

// Order returns the targets in the order to try them (RFC 2782): priorities ascending, and within a priority
// a weighted random order (an entry of weight w comes first with probability w/sum; weight-0 entries are
// placed first in the running sum, so they are chosen only rarely while others have weight). Ties of all-zero
// weights are uniform. r supplies randomness; targets is not modified.
func Order(targets []Target, r *rand.Rand) []Target {
	sorted := append([]Target(nil), targets...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Priority < sorted[j].Priority })
	out := make([]Target, 0, len(sorted))
	for start := 0; start < len(sorted); {
		end := start
		for end < len(sorted) && sorted[end].Priority == sorted[start].Priority {
			end++
		}
		out = append(out, weighted(sorted[start:end], r)...)
		start = end
	}
	return out
}

// weighted orders one priority's targets by repeated weighted selection.
func weighted(group []Target, r *rand.Rand) []Target {
	left := append([]Target(nil), group...)
	sort.SliceStable(left, func(i, j int) bool { return left[i].Weight == 0 && left[j].Weight != 0 })
	out := make([]Target, 0, len(left))
	for len(left) > 0 {
		i := pickOne(left, r)
		out = append(out, left[i])
		left = append(left[:i], left[i+1:]...)
	}
	return out
}

func pickOne(left []Target, r *rand.Rand) int {
	sum := 0
	for _, t := range left {
		sum += int(t.Weight)
	}
	if sum == 0 {
		return r.IntN(len(left))
	}
	n := r.IntN(sum + 1) // RFC 2782: uniform in [0, sum]
	running := 0
	for i, t := range left {
		running += int(t.Weight)
		if running >= n {
			return i
		}
	}
	return len(left) - 1
}

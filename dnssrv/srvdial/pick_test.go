package srvdial

import (
	"math"
	"math/rand/v2"
	"testing"
)

// 10,000 orderings: the first target of priority 0 follows the weights within 3 points, the priority-10
// target never comes first, and a weight-0 target is chosen only rarely.
func TestOrderFollowsPriorityAndWeights(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	targets := []Target{
		{Host: "fallback", Priority: 10, Weight: 100},
		{Host: "a", Weight: 10}, {Host: "b", Weight: 30}, {Host: "c", Weight: 60}, {Host: "lagging", Weight: 0},
	}
	const n = 10000
	first := map[string]int{}
	for range n {
		order := Order(targets, r)
		first[order[0].Host]++
		if order[len(order)-1].Host != "fallback" {
			t.Fatalf("priority 10 not last: %+v", order)
		}
	}
	for host, want := range map[string]float64{"a": 0.1, "b": 0.3, "c": 0.6} {
		if got := float64(first[host]) / n; math.Abs(got-want) > 0.03 {
			t.Errorf("%s first %.3f of the time, want %.2f +-0.03", host, got, want)
		}
	}
	if share := float64(first["lagging"]) / n; share > 0.03 {
		t.Errorf("weight 0 first %.3f of the time", share)
	}
	if len(Order(targets, r)) != len(targets) || targets[0].Host != "fallback" {
		t.Error("Order dropped a target or changed its input")
	}
}

func TestOrderAllZeroWeightsIsUniform(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	targets := []Target{{Host: "a"}, {Host: "b"}}
	a := 0
	for range 10000 {
		if Order(targets, r)[0].Host == "a" {
			a++
		}
	}
	if share := float64(a) / 10000; math.Abs(share-0.5) > 0.03 {
		t.Errorf("a first %.3f of the time, want 0.5", share)
	}
}

package specs

import (
	"fmt"
	"testing"

	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/orca-operator/orca/topology"
)

// drain models `kubectl drain` of one node under a PodDisruptionBudget as the eviction API judges it
// (policy/v1, every member healthy at first): the node is cordoned, every member on it is asked to leave at
// once and asked again on each refusal (429); an eviction of a healthy pod is allowed while healthy -
// desiredHealthy > 0, desiredHealthy being replicas - maxUnavailable, or minAvailable. An evicted member's pod
// is recreated on another node and is healthy again (ONLINE, its readiness gate True) one round later; with no
// other node it stays down.
type drain struct {
	replicas, desiredHealthy int
	nodes                    int
	nodeOf                   []int // member -> node
}

// run drains node victim and returns the most members down at once and whether the drain finished.
func (d drain) run(victim int) (maxDown int, finished bool) {
	down := map[int]int{} // member -> rounds until healthy again
	left := map[int]bool{}
	for m, n := range d.nodeOf {
		if n == victim {
			left[m] = true
		}
	}
	for round := 0; round < 10*d.replicas && len(left) > 0; round++ {
		for m, wait := range down {
			if wait == 1 && d.nodes > 1 {
				delete(down, m)
			} else if wait > 1 {
				down[m] = wait - 1
			}
		}
		for m := range left {
			if d.replicas-len(down)-d.desiredHealthy > 0 {
				delete(left, m)
				down[m] = 1
			}
		}
		maxDown = max(maxDown, len(down))
	}
	return maxDown, len(left) == 0
}

// spreadOnto places n members on k nodes as maxSkew 1 leaves them (round robin), and checks with the spread
// rules that no node holds two when there are enough nodes.
func spreadOnto(t *testing.T, n, k int) []int {
	t.Helper()
	nodeOf, placements := make([]int, n), make([]topology.Placement, n)
	for m := range n {
		nodeOf[m] = m % k
		placements[m] = topology.Placement{Pod: fmt.Sprint(m), Node: fmt.Sprint(m % k)}
	}
	if s := topology.AssessSpread(n, 0, placements); k >= n && len(s.SharedNodes) > 0 {
		t.Fatalf("%d members on %d nodes: %s", n, k, s.Describe())
	}
	return nodeOf
}

func desiredHealthy(pdb *policyv1.PodDisruptionBudget, replicas int) int {
	if pdb.Spec.MaxUnavailable != nil {
		return replicas - pdb.Spec.MaxUnavailable.IntValue()
	}
	return pdb.Spec.MinAvailable.IntValue()
}

// For 1, 3, 5, 7 and 9 members, on as many nodes as members (the spread's one member per node) or fewer
// (Preferred put two together), no drain of one node ever has two members down at once, so the group keeps
// a majority throughout; with another node to go to, the drain finishes.
func TestPodDisruptionBudgetAgreesWithTheSpread(t *testing.T) {
	for _, n := range []int{1, 3, 5, 7, 9} {
		pdb := PodDisruptionBudget(cluster(int32(n)))
		if n < 3 {
			// No fault tolerance to protect: a budget would only block every drain.
			if pdb != nil {
				t.Fatalf("%d member: a budget", n)
			}
			continue
		}
		if pdb.Spec.MaxUnavailable.IntValue() != 1 || pdb.Spec.MinAvailable != nil {
			t.Fatalf("%d members: %+v", n, pdb.Spec)
		}
		for _, k := range []int{n + 2, n, (n + 1) / 2, 2, 1} {
			d := drain{replicas: n, desiredHealthy: desiredHealthy(pdb, n), nodes: k, nodeOf: spreadOnto(t, n, k)}
			for victim := range k {
				maxDown, finished := d.run(victim)
				if maxDown > 1 || n-maxDown <= n/2 {
					t.Errorf("%d members on %d nodes, node %d drained: %d members down at once", n, k, victim, maxDown)
				}
				if !finished && k > 1 {
					t.Errorf("%d members on %d nodes: the drain of node %d never finished", n, k, victim)
				}
			}
		}
	}
}

// The model catches the budget it replaced: with minAvailable a majority, draining a node that holds two
// of five members evicts both at once.
func TestMajorityBudgetTakesTwoMembersAtOnce(t *testing.T) {
	majority := intstr.FromInt32(3)
	pdb := &policyv1.PodDisruptionBudget{Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: &majority}}
	d := drain{replicas: 5, desiredHealthy: desiredHealthy(pdb, 5), nodes: 3, nodeOf: spreadOnto(t, 5, 3)}
	if maxDown, _ := d.run(0); maxDown != 2 {
		t.Fatalf("%d members down at once, want 2", maxDown)
	}
}

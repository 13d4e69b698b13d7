package simworld

import (
	"reflect"
	"testing"
)

func TestPlan(t *testing.T) {
	up := func(pod, claim string) *memberFacts {
		return &memberFacts{Up: true, PodUID: uid(pod), ClaimUID: uid(claim)}
	}
	down := func(pod, claim string) *memberFacts {
		return &memberFacts{PodUID: uid(pod), ClaimUID: uid(claim)}
	}
	for _, tc := range []struct {
		name string
		o    observation
		want []step
	}{
		{"first run on a new claim", observation{Pod: podRunning, PodUID: "p1", ClaimUID: "c1"},
			[]step{stepCreate, stepPublish}},
		{"pending pod, nothing to run", observation{Pod: podPending, PodUID: "p1", ClaimUID: "c1"},
			[]step{stepUnpublish}},
		{"steady state", observation{Pod: podRunning, PodUID: "p1", ClaimUID: "c1", Member: up("p1", "c1")},
			[]step{stepPublish}},
		{"crashed on purpose while its pod runs: left down",
			observation{Pod: podRunning, PodUID: "p1", ClaimUID: "c1", Member: down("p1", "c1")},
			[]step{stepPublish}},
		{"exited in its running pod: the kubelet restarts it",
			observation{Pod: podRunning, PodUID: "p1", ClaimUID: "c1", RestartDue: true, Member: down("p1", "c1")},
			[]step{stepRestart, stepPublish}},
		{"graceful pod deletion", observation{Pod: podTerminating, PodUID: "p1", Graceful: true, ClaimUID: "c1",
			Member: up("p1", "c1")}, []step{stepShutdown, stepUnpublish}},
		{"pod gone after a graceful deletion", observation{Pod: podAbsent, Graceful: true, ClaimUID: "c1",
			Member: up("p1", "c1")}, []step{stepShutdown, stepUnpublish}},
		{"pod gone without a grace period", observation{Pod: podAbsent, ClaimUID: "c1", Member: up("p1", "c1")},
			[]step{stepCrash, stepUnpublish}},
		{"successor pending while the member still runs", observation{Pod: podPending, PodUID: "p2",
			ClaimUID: "c1", Member: up("p1", "c1")}, []step{stepCrash, stepUnpublish}},
		{"successor runs: same data", observation{Pod: podRunning, PodUID: "p2", ClaimUID: "c1",
			Member: down("p1", "c1")}, []step{stepRestart, stepPublish}},
		{"successor runs before the old pod was seen going", observation{Pod: podRunning, PodUID: "p2",
			ClaimUID: "c1", Member: up("p1", "c1")}, []step{stepRestart, stepPublish}},
		{"claim deleted after its pod", observation{Pod: podAbsent, Member: down("p1", "c1")},
			[]step{stepWipe, stepUnpublish}},
		{"claim replaced by a new one", observation{Pod: podRunning, PodUID: "p2", ClaimUID: "c2",
			Member: down("p1", "c1")}, []step{stepWipe, stepCreate, stepPublish}},
		{"claim missing while its pod runs: kept (pvc-protection)", observation{Pod: podRunning, PodUID: "p1",
			Member: up("p1", "c1")}, []step{stepPublish}},
		{"pod without a claim keeps its data across pods", observation{Pod: podRunning, PodUID: "p2",
			Member: down("p1", "")}, []step{stepRestart, stepPublish}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := plan(tc.o); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("plan = %v, want %v", got, tc.want)
			}
		})
	}
}

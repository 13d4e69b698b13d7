package clustering_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/test/mysqlsim"
)

// nodes creates one node per zone a, b, c for the world (nodes are cluster-wide: named after the namespace).
func (w *world) nodes() []string {
	w.t.Helper()
	var names []string
	for _, z := range []string{"a", "b", "c"} {
		n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: w.ns + "-" + z,
			Labels: map[string]string{corev1.LabelTopologyZone: "zone-" + z}}}
		if err := k8s.Create(context.Background(), n); err != nil {
			w.t.Fatal(err)
		}
		w.t.Cleanup(func() { _ = k8s.Delete(context.Background(), n) })
		names = append(names, n.Name)
	}
	return names
}

// bind schedules pod i on node, as the scheduler does (the binding subresource).
func (w *world) bind(i int, node string) {
	w.t.Helper()
	p := w.pod(i)
	b := &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Namespace: p.Namespace, Name: p.Name},
		Target: corev1.ObjectReference{Kind: "Node", Name: node}}
	if err := k8s.SubResource("binding").Create(context.Background(), p, b); err != nil {
		w.t.Fatalf("bind %s to %s: %v", p.Name, node, err)
	}
}

// waitMoved waits until the loop deleted pod i (a bound pod stays terminating: no kubelet here), checks the
// member left the group first and the move is on record, then does the kubelet's and the StatefulSet's part:
// the pod goes, mysqld restarts in a new pod, which the scheduler puts on node.
func (w *world) waitMoved(i int, from, to string) {
	w.t.Helper()
	eventually(w.t, 30*time.Second, func() error {
		if p := w.pod(i); p.DeletionTimestamp == nil {
			return fmt.Errorf("%s not deleted yet: %s", p.Name, condMsg(w.get()))
		}
		return nil
	})
	if st := w.members[i].State(); st != mysqlsim.StateOffline {
		w.t.Fatalf("%s is %s when its pod is deleted: it must leave the group first", w.members[i].Name(), st)
	}
	moved := map[string]string{}
	if err := json.Unmarshal([]byte(w.get().Annotations[v1.AnnotationRebalanceMoved]), &moved); err != nil ||
		moved[w.members[i].Name()] != from {
		w.t.Fatalf("move record %v (%v), want %s from %s", moved, err, w.members[i].Name(), from)
	}
	if err := k8s.Delete(context.Background(), w.pod(i), client.GracePeriodSeconds(0)); err != nil {
		w.t.Fatal(err)
	}
	w.bringBack(i)
	w.bind(i, to)
}

// A rebalance on request: db-0 (primary) and db-1 share node a. db-1 leaves the group and its pod is
// recreated, but lands on node a again (no room elsewhere); it is not moved twice, so only the primary is
// left: the primary switches to db-2 first and db-0 moves as a secondary, to node c. Then the request is
// done: the annotations go, and the members' nodes and zones are in the status.
func TestLoopRebalancesOnRequestPrimaryLast(t *testing.T) {
	w := newWorld(t, 3)
	nodes := w.nodes()
	for i, n := range []int{0, 0, 1} {
		w.bind(i, nodes[n])
	}
	w.waitOnline(0)
	w.waitPasses(3) // the passes see the colocation; nothing moves without a request
	if inc := incarnations(w.members); fmt.Sprint(inc) != "[1 1 1]" {
		t.Fatalf("members restarted without a request: %v", inc)
	}
	w.annotate(v1.AnnotationRebalance, "true")
	w.waitMoved(1, nodes[0], nodes[0])
	w.waitMoved(0, nodes[0], nodes[2])
	if r := w.members[2].Role(); r != mysqlsim.RolePrimary {
		t.Fatalf("db-0 moved while db-2 is %s: the primary must switch away first", r)
	}
	w.waitOnline(2)
	eventually(t, 30*time.Second, func() error {
		c := w.get()
		for _, a := range []string{v1.AnnotationRebalance, v1.AnnotationRebalanceMoved} {
			if _, ok := c.Annotations[a]; ok {
				return fmt.Errorf("annotation %s still set: %s", a, condMsg(c))
			}
		}
		for i, want := range []string{nodes[2], nodes[0], nodes[1]} {
			if m := c.Status.Members[i]; m.Node != want || m.Zone != "zone-"+want[len(want)-1:] {
				return fmt.Errorf("status of %s: node %q zone %q, want %s", m.Pod, m.Node, m.Zone, want)
			}
		}
		if cond := meta.FindStatusCondition(c.Status.Conditions, string(v1.ConditionMembersSpread)); cond == nil ||
			cond.Status != metav1.ConditionTrue {
			return fmt.Errorf("MembersSpread %+v", cond)
		}
		return nil
	})
}

package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// The harness's nodes are orca-node-0..2 in zones zone-a..c (test/controlplane): the sample's three members
// get one node and one zone each.

// cordonNodes marks the named nodes (un)schedulable. Cordoning returns once the scheduler has seen it: a
// canary pod that may only go to those nodes is found unschedulable.
func (h *harness) cordonNodes(tb testing.TB, names []string, on bool) {
	tb.Helper()
	ctx := context.Background()
	for _, name := range names {
		n := &corev1.Node{}
		if err := h.Client.Get(ctx, client.ObjectKey{Name: name}, n); err != nil {
			tb.Fatal(err)
		}
		patch := client.MergeFrom(n.DeepCopy())
		n.Spec.Unschedulable = on
		if err := h.Client.Patch(ctx, n, patch); err != nil {
			tb.Fatalf("cordon %s: %v", name, err)
		}
	}
	if on {
		h.waitCanaryUnschedulable(ctx, tb, names)
	}
}

// waitCanaryUnschedulable waits until the scheduler refuses a canary pod (on the named nodes; any node when nodes
// is empty): it has seen the cordons.
func (h *harness) waitCanaryUnschedulable(ctx context.Context, tb testing.TB, nodes []string) {
	tb.Helper()
	newCanary := func() *corev1.Pod {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", GenerateName: "cordon-canary-"},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "canary"}}}}
		if len(nodes) > 0 {
			pod.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
					NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{
						Key: corev1.LabelHostname, Operator: corev1.NodeSelectorOpIn, Values: nodes}}}}}}}
		}
		return pod
	}
	canary := newCanary()
	if err := h.Client.Create(ctx, canary); err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = h.Client.Delete(ctx, canary, client.GracePeriodSeconds(0)) }()
	eventually(tb, 30*time.Second, func() error {
		if err := h.Client.Get(ctx, client.ObjectKeyFromObject(canary), canary); err != nil {
			return err
		}
		for _, cond := range canary.Status.Conditions {
			if cond.Type == corev1.PodScheduled && cond.Reason == corev1.PodReasonUnschedulable {
				return nil
			}
		}
		if node := canary.Spec.NodeName; node != "" {
			_ = h.Client.Delete(ctx, canary, client.GracePeriodSeconds(0))
			canary = newCanary()
			if err := h.Client.Create(ctx, canary); err != nil {
				return err
			}
			return fmt.Errorf("canary landed on %s: the scheduler has not seen the cordon yet", node)
		}
		return fmt.Errorf("the scheduler has not judged the canary pod yet")
	})
}

// nodesOf maps each member pod to its node.
func (c *cluster) nodesOf() map[string]string {
	out := map[string]string{}
	for name, p := range c.pods() {
		out[name] = p.Spec.NodeName
	}
	return out
}

// waitSpread waits for MembersSpread with the status and reason and a message containing text.
func (c *cluster) waitSpread(status metav1.ConditionStatus, reason v1.ConditionReason, text string) {
	c.t.Helper()
	eventually(c.t, 60*time.Second, func() error {
		cond := c.condition(v1.ConditionMembersSpread)
		if cond == nil || cond.Status != status || cond.Reason != string(reason) || !strings.Contains(cond.Message, text) {
			return fmt.Errorf("MembersSpread %s, want %s/%s with %q", condString(cond), status, reason, text)
		}
		return nil
	})
}

// waitReplaced waits until pod runs again under a new uid on the node, and returns that node.
func (c *cluster) waitReplaced(pod string, old types.UID) string {
	c.t.Helper()
	var node string
	eventually(c.t, 60*time.Second, func() error {
		p, ok := c.pods()[pod]
		if !ok || p.UID == old || p.Spec.NodeName == "" {
			return fmt.Errorf("%s not replaced and scheduled yet", pod)
		}
		node = p.Spec.NodeName
		return nil
	})
	return node
}

// Members land together after a node outage and Orca says so; a rebalance with the writer running moves them
// apart, the primary last. The primary P and a secondary S share P's node (the others cordoned, S's pod
// force-deleted); the rebalance moves S first, which has nowhere else to go and lands on P's node again, so
// the primary switches to the third member before P moves, as a secondary, to the node uncordoned meanwhile.
// No acknowledged write is lost and no member holds errant transactions.
func colocatedThenRebalanced(t *testing.T, h *harness) {
	c := h.createSample(t)
	primary := c.waitOnline(90 * time.Second)
	c.waitSpread(metav1.ConditionTrue, v1.ReasonMembersApart, "no zone holds a majority")
	nodes := c.nodesOf()
	moved, third := c.secondaries(primary)[1], c.secondaries(primary)[0]
	var others []string
	for _, n := range nodes {
		if n != nodes[primary] {
			others = append(others, n)
		}
	}
	wr := c.startWriter()
	defer wr.stopAndCheck()
	t.Cleanup(func() { h.cordonNodes(t, others, false) })
	h.cordonNodes(t, others, true)
	uid := c.pods()[moved].UID
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: c.obj.Namespace, Name: moved}}
	if err := h.Client.Delete(context.Background(), p, client.GracePeriodSeconds(0)); err != nil {
		t.Fatal(err)
	}
	c.waitReplaced(moved, uid)
	c.waitOnline(60 * time.Second)
	pair := slices.Sorted(slices.Values([]string{primary, moved}))
	shared := fmt.Sprintf("%s and %s share node %s", pair[0], pair[1], nodes[primary])
	c.waitSpread(metav1.ConditionFalse, v1.ReasonMembersColocated, shared)
	c.waitEvent(string(v1.ReasonMembersColocated), shared)
	since := time.Now()
	uids := c.podUIDs()
	c.annotate(v1.AnnotationRebalance, "true")
	if node := c.waitReplaced(moved, uids[moved]); node != nodes[primary] {
		t.Fatalf("%s moved to %s with the other nodes cordoned", moved, node)
	}
	free := others[0]
	if free == nodes[third] {
		free = others[1]
	}
	h.cordonNodes(t, []string{free}, false)
	if node := c.waitReplaced(primary, uids[primary]); node != free {
		t.Fatalf("the old primary %s moved to %s, want the free node %s", primary, node, free)
	}
	eventually(t, 60*time.Second, func() error {
		if err := c.annotationGone(v1.AnnotationRebalance); err != nil {
			return err
		}
		return c.annotationGone(v1.AnnotationRebalanceMoved)
	})
	c.waitSpread(metav1.ConditionTrue, v1.ReasonMembersApart, "no zone holds a majority")
	if p := c.waitOnline(60 * time.Second); p != third {
		t.Fatalf("primary %s after the rebalance, want %s (switched to before %s moved)", p, third, primary)
	}
	c.checkRebalanceOrder(since, moved, third, primary)
	c.waitEvent(string(v1.ReasonRebalanceDone), "rebalance done: no two of the 3 scheduled members share a node")
}

// waitEvent waits for an event on the cluster with the reason and a note containing text.
func (c *cluster) waitEvent(reason, text string) {
	c.t.Helper()
	eventually(c.t, 30*time.Second, func() error {
		var list eventsv1.EventList
		if err := c.h.Client.List(context.Background(), &list, client.InNamespace(c.obj.Namespace)); err != nil {
			return err
		}
		var notes []string
		for _, e := range list.Items {
			if e.Reason == reason && e.Regarding.Name == c.obj.Name {
				if strings.Contains(e.Note, text) {
					return nil
				}
				notes = append(notes, e.Note)
			}
		}
		return fmt.Errorf("no %s event with %q: %q", reason, text, notes)
	})
}

// checkRebalanceOrder checks the actions of the rebalance: moved, then the switchover to third, then the old
// primary moved, and nothing else moved or switched.
func (c *cluster) checkRebalanceOrder(since time.Time, moved, third, primary string) {
	c.t.Helper()
	want := []string{"MoveMember: move secondary " + moved + " ", "Switchover: switch the primary from " + primary +
		" to " + third + " ", "MoveMember: move secondary " + primary + " "}
	var got []string
	eventually(c.t, 10*time.Second, func() error {
		got = got[:0]
		for _, note := range c.actionNotes(since) {
			if strings.HasPrefix(note, "MoveMember") || strings.HasPrefix(note, "Switchover") {
				got = append(got, note)
			}
		}
		if len(got) != len(want) {
			return fmt.Errorf("rebalance actions %q", got)
		}
		return nil
	})
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			c.t.Fatalf("rebalance action %d: %q, want %q...", i, got[i], want[i])
		}
	}
}

// evict asks the eviction API to evict the pod, as kubectl drain does.
func (c *cluster) evict(pod string) error {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: c.obj.Namespace, Name: pod}}
	return c.h.Client.SubResource("eviction").Create(context.Background(), p,
		&policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Namespace: c.obj.Namespace, Name: pod}})
}

// A drain of one node under the members' budget (maxUnavailable 1): the member on it is evicted, a second
// member is refused (429) until the first is back ONLINE, and the group keeps quorum throughout. Under
// placement Preferred the evicted member's successor shares a node with another (MembersSpread False).
func drainUnderBudget(t *testing.T, h *harness) {
	c := h.createSample(t)
	primary := c.waitOnline(90 * time.Second)
	nodes := c.nodesOf()
	victim, other := c.secondaries(primary)[0], c.secondaries(primary)[1]
	wr := c.startWriter()
	defer wr.stopAndCheck()
	eventually(t, 30*time.Second, func() error { // the disruption controller counts the Ready members
		var pdb policyv1.PodDisruptionBudget
		err := h.Client.Get(context.Background(), client.ObjectKey{Namespace: c.obj.Namespace,
			Name: c.obj.Name + "-pdb"}, &pdb)
		if err == nil && pdb.Status.DisruptionsAllowed != 1 {
			err = fmt.Errorf("budget allows %d disruptions", pdb.Status.DisruptionsAllowed)
		}
		return err
	})
	quorum := c.watchQuorum()
	t.Cleanup(func() { h.cordonNodes(t, []string{nodes[victim]}, false) })
	h.cordonNodes(t, []string{nodes[victim]}, true)
	uid := c.pods()[victim].UID
	if err := c.evict(victim); err != nil {
		t.Fatalf("evict %s: %v", victim, err)
	}
	if err := c.evict(other); !apierrors.IsTooManyRequests(err) {
		t.Fatalf("a second member evicted while %s is away: %v", victim, err)
	}
	node := c.waitReplaced(victim, uid)
	c.waitOnline(60 * time.Second)
	if node == nodes[victim] {
		t.Fatalf("%s came back on the cordoned node %s", victim, node)
	}
	c.waitSpread(metav1.ConditionFalse, v1.ReasonMembersColocated, "share node "+node)
	otherUID := c.pods()[other].UID
	eventually(t, 30*time.Second, func() error { return c.evict(other) }) // allowed again once it is back
	c.waitReplaced(other, otherUID)
	c.waitOnline(60 * time.Second)
	if lost := quorum(); len(lost) > 0 {
		t.Fatalf("the group lost quorum during the drain: %v", lost)
	}
}

// watchQuorum samples the cluster's state until the returned function is called, which returns every state
// without quorum seen.
func (c *cluster) watchQuorum() func() []v1.ClusterState {
	stop, done := make(chan struct{}), make(chan []v1.ClusterState)
	go func() {
		var lost []v1.ClusterState
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				done <- lost
				return
			case <-tick.C:
			}
			var ic v1.InnoDBCluster
			if err := c.h.Client.Get(context.Background(), client.ObjectKeyFromObject(c.obj), &ic); err == nil &&
				strings.HasPrefix(string(ic.Status.ClusterState), "NO_QUORUM") {
				lost = append(lost, ic.Status.ClusterState)
			}
		}
	}()
	return func() []v1.ClusterState {
		close(stop)
		return <-done
	}
}

// setZoneLabels removes the zone label from every node, or puts back zone-a, zone-b, ... (test/controlplane's).
func (h *harness) setZoneLabels(tb testing.TB, on bool) {
	tb.Helper()
	ctx := context.Background()
	var nodes corev1.NodeList
	if err := h.Client.List(ctx, &nodes); err != nil {
		tb.Fatal(err)
	}
	for i := range nodes.Items {
		n := &nodes.Items[i]
		var ord int
		if _, err := fmt.Sscanf(n.Name, "orca-node-%d", &ord); err != nil {
			continue
		}
		patch := client.MergeFrom(n.DeepCopy())
		if on {
			n.Labels[corev1.LabelTopologyZone] = fmt.Sprintf("zone-%c", 'a'+rune(ord%26))
		} else {
			delete(n.Labels, corev1.LabelTopologyZone)
		}
		if err := h.Client.Patch(ctx, n, patch); err != nil {
			tb.Fatalf("zone label of %s: %v", n.Name, err)
		}
	}
}

// placement Required on nodes without zone labels: the members are scheduled all the same (the zone spread is
// only a preference), one per node. A drain of a member's node leaves its successor Pending rather than next
// to another member, a second eviction is refused meanwhile, and once the node is back the member returns.
func requiredDrainWaitsPending(t *testing.T, h *harness) {
	t.Cleanup(func() { h.setZoneLabels(t, true) })
	h.setZoneLabels(t, false)
	ctx := context.Background()
	ns := h.namespace(t, "e2e-")
	ic := loadSample(t, "mysql_v1alpha1_innodbcluster.yaml")
	ic.Namespace, ic.Spec.Placement = ns, v1.PlacementRequired
	if err := h.Client.Create(ctx, ic); err != nil {
		t.Fatal(err)
	}
	c := &cluster{h: h, t: t, obj: ic}
	primary := c.waitOnline(90 * time.Second)
	c.waitSpread(metav1.ConditionTrue, v1.ReasonMembersApart, "no two of the 3 scheduled members share a node")
	nodes := c.nodesOf()
	victim, other := c.secondaries(primary)[0], c.secondaries(primary)[1]
	t.Cleanup(func() { h.cordonNodes(t, []string{nodes[victim]}, false) })
	h.cordonNodes(t, []string{nodes[victim]}, true)
	uid := c.pods()[victim].UID
	eventually(t, 30*time.Second, func() error { return c.evict(victim) }) // once the budget counts 3 Ready
	eventually(t, 30*time.Second, func() error {
		p, ok := c.pods()[victim]
		if !ok || p.UID == uid {
			return fmt.Errorf("%s not recreated yet", victim)
		}
		for _, cond := range p.Status.Conditions {
			if cond.Type == corev1.PodScheduled && cond.Reason == corev1.PodReasonUnschedulable {
				return nil
			}
		}
		return fmt.Errorf("%s's successor is not unschedulable: node %q", victim, p.Spec.NodeName)
	})
	if err := c.evict(other); !apierrors.IsTooManyRequests(err) {
		t.Fatalf("a second member evicted while %s is Pending: %v", victim, err)
	}
	c.waitSpread(metav1.ConditionTrue, v1.ReasonMembersApart, "(1 of 3 members are not scheduled yet)")
	h.cordonNodes(t, []string{nodes[victim]}, false)
	if node := c.waitReplaced(victim, uid); node != nodes[victim] {
		t.Fatalf("%s came back on %s, want its own node %s", victim, node, nodes[victim])
	}
	c.waitOnline(60 * time.Second)
}

package controllers

import (
	"context"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
)

// The StatefulSet the API server stores spreads the members over nodes and zones; placement Required turns
// the node spread into a filter and adds the required anti-affinity, and the zone spread stays a preference.
func TestStatefulSetSpreadsMembers(t *testing.T) {
	ns := newNamespace(t)
	createCluster(t, newCluster(ns, "db"))
	sts := get(t, key(ns, "db"), &appsv1.StatefulSet{})
	if err := spreadRendered(sts, corev1.ScheduleAnyway, 0); err != nil {
		t.Fatal(err)
	}
	if err := update(t, key(ns, "db"), func(c *v1.InnoDBCluster) { c.Spec.Placement = v1.PlacementRequired }); err != nil {
		t.Fatal(err)
	}
	eventually(t, wait, func() error {
		return spreadRendered(get(t, key(ns, "db"), &appsv1.StatefulSet{}), corev1.DoNotSchedule, 1)
	})
}

func spreadRendered(sts *appsv1.StatefulSet, nodes corev1.UnsatisfiableConstraintAction, required int) error {
	pod := sts.Spec.Template.Spec
	want := map[string]corev1.UnsatisfiableConstraintAction{
		corev1.LabelHostname: nodes, corev1.LabelTopologyZone: corev1.ScheduleAnyway,
	}
	if len(pod.TopologySpreadConstraints) != len(want) {
		return fmt.Errorf("constraints %+v", pod.TopologySpreadConstraints)
	}
	for _, tsc := range pod.TopologySpreadConstraints {
		if tsc.MaxSkew != 1 || tsc.WhenUnsatisfiable != want[tsc.TopologyKey] ||
			tsc.LabelSelector.MatchLabels[v1.LabelCluster] != "db" {
			return fmt.Errorf("constraint %+v", tsc)
		}
	}
	if got := len(pod.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution); got != required {
		return fmt.Errorf("%d required anti-affinity terms, want %d", got, required)
	}
	return nil
}

// spreadNodes creates three nodes, one per zone, named after the namespace (nodes are cluster-wide).
func spreadNodes(t *testing.T, ns string) []string {
	t.Helper()
	var names []string
	for _, z := range []string{"a", "b", "c"} {
		n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: ns + "-" + z,
			Labels: map[string]string{corev1.LabelTopologyZone: ns + "-zone-" + z}}}
		if err := k8s.Create(context.Background(), n); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = k8s.Delete(context.Background(), n) })
		names = append(names, n.Name)
	}
	return names
}

// memberPodOn creates the member pod as the StatefulSet would, already bound to node (no scheduler here).
func memberPodOn(t *testing.T, ns string, ordinal int, node string) {
	t.Helper()
	c := newCluster(ns, "db")
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: specs.PodName(c, ordinal), Labels: specs.SelectorLabels(c)},
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: specs.ContainerMySQL,
			Image: "mysql"}}},
	}
	if err := k8s.Create(context.Background(), p); err != nil {
		t.Fatal(err)
	}
}

func waitSpread(t *testing.T, ns string, status metav1.ConditionStatus, reason v1.ConditionReason,
	message string) {
	t.Helper()
	eventually(t, wait, func() error {
		var c v1.InnoDBCluster
		if err := k8s.Get(context.Background(), key(ns, "db"), &c); err != nil {
			return err
		}
		cond := meta.FindStatusCondition(c.Status.Conditions, string(v1.ConditionMembersSpread))
		if cond == nil || cond.Status != status || cond.Reason != string(reason) || !strings.Contains(cond.Message, message) {
			return fmt.Errorf("MembersSpread %+v", cond)
		}
		return nil
	})
}

// Two members on one node: MembersSpread is False naming them and the node (and the zone, a majority that
// three zones allow avoiding), with an event; a requested rebalance shows in the reason; once a member is
// on the third node it is True.
func TestMembersSpreadCondition(t *testing.T) {
	ns := newNamespace(t)
	nodes := spreadNodes(t, ns)
	createCluster(t, newCluster(ns, "db"))
	waitSpread(t, ns, metav1.ConditionUnknown, v1.ReasonMembersNotScheduled, "none of the 3 members")
	memberPodOn(t, ns, 0, nodes[0])
	memberPodOn(t, ns, 1, nodes[0])
	memberPodOn(t, ns, 2, nodes[1])
	shared := fmt.Sprintf("db-0 and db-1 share node %s; zone %s-zone-a holds 2 of the 3 members", nodes[0], ns)
	waitSpread(t, ns, metav1.ConditionFalse, v1.ReasonMembersColocated, shared)
	waitEvent(t, ns, string(v1.ReasonMembersColocated))
	if err := update(t, key(ns, "db"), func(c *v1.InnoDBCluster) {
		c.Annotations = map[string]string{v1.AnnotationRebalance: "true"}
	}); err != nil {
		t.Fatal(err)
	}
	waitSpread(t, ns, metav1.ConditionFalse, v1.ReasonRebalancing, "a rebalance is requested: "+shared)
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "db-1"}}
	if err := k8s.Delete(context.Background(), p, client.GracePeriodSeconds(0)); err != nil {
		t.Fatal(err)
	}
	eventually(t, wait, func() error {
		if err := k8s.Get(context.Background(), key(ns, "db-1"), &corev1.Pod{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("db-1 still there: %w", err)
		}
		return nil
	})
	memberPodOn(t, ns, 1, nodes[2])
	waitSpread(t, ns, metav1.ConditionTrue, v1.ReasonMembersApart,
		"no two of the 3 scheduled members share a node and no zone holds a majority")
}

package controllers

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/placement"
	"github.com/orca-operator/orca/topology"
)

// spreadReport is the MembersSpread condition and what it was computed from.
type spreadReport struct {
	status  metav1.ConditionStatus
	reason  v1.ConditionReason
	message string
	spread  topology.Spread
}

// assessSpread reads the nodes and applies the spread rules to the member pods.
func (r *InnoDBClusterReconciler) assessSpread(ctx context.Context, c *v1.InnoDBCluster,
	pods []corev1.Pod) (spreadReport, error) {
	nodes, err := placement.ListNodes(ctx, r.Client, c)
	if err != nil {
		return spreadReport{}, err
	}
	return spreadCondition(placement.Assess(c, pods, nodes), c.Annotations[v1.AnnotationRebalance] == "true"), nil
}

// spreadCondition is MembersSpread: Unknown until a member is scheduled, False while two members share a
// node or a zone holds a majority it need not (Rebalancing while a rebalance is requested), True otherwise.
// The message names the members and the node or zone.
func spreadCondition(s topology.Spread, rebalance bool) spreadReport {
	rep := spreadReport{spread: s, message: s.Describe()}
	switch {
	case s.Scheduled == 0:
		rep.status, rep.reason = metav1.ConditionUnknown, v1.ReasonMembersNotScheduled
		rep.message = fmt.Sprintf("none of the %d members is scheduled on a node yet", s.Instances)
	case s.Colocated() && rebalance:
		rep.status, rep.reason = metav1.ConditionFalse, v1.ReasonRebalancing
		rep.message = "a rebalance is requested: " + rep.message
	case s.Colocated():
		rep.status, rep.reason = metav1.ConditionFalse, v1.ReasonMembersColocated
	default:
		rep.status, rep.reason = metav1.ConditionTrue, v1.ReasonMembersApart
	}
	return rep
}

// newlyColocated reports whether the report deserves an event: MembersSpread turns False, or what is
// colocated changed while it stays False.
func newlyColocated(before []metav1.Condition, rep spreadReport) bool {
	if rep.status != metav1.ConditionFalse {
		return false
	}
	old := meta.FindStatusCondition(before, string(v1.ConditionMembersSpread))
	return old == nil || old.Status != metav1.ConditionFalse || !strings.HasSuffix(old.Message, rep.spread.Describe())
}

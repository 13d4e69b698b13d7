package specs

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// memberSpread spreads the members over nodes and zones with maxSkew 1, counting the cluster's member pods
// only. Over nodes, Required makes the spread a filter (DoNotSchedule); over zones it is always a preference
// (ScheduleAnyway): the scheduler filters out every node that lacks a DoNotSchedule constraint's key, so a
// hard zone spread would leave every member Pending where the nodes carry no zone label, and the template
// cannot follow the nodes' labels without rolling the members whenever they change. A zone that holds a
// majority anyway shows in the MembersSpread condition.
func memberSpread(c *v1.InnoDBCluster) []corev1.TopologySpreadConstraint {
	nodes := corev1.ScheduleAnyway
	if c.Spec.Placement == v1.PlacementRequired {
		nodes = corev1.DoNotSchedule
	}
	selector := &metav1.LabelSelector{MatchLabels: SelectorLabels(c)}
	return []corev1.TopologySpreadConstraint{
		{MaxSkew: 1, TopologyKey: corev1.LabelHostname, WhenUnsatisfiable: nodes, LabelSelector: selector},
		{MaxSkew: 1, TopologyKey: corev1.LabelTopologyZone, WhenUnsatisfiable: corev1.ScheduleAnyway,
			LabelSelector: selector.DeepCopy()},
	}
}

// memberAffinity is the user's affinity, or Orca's preference for one member per node; with placement
// Required a required anti-affinity on kubernetes.io/hostname is added to either. maxSkew 1 alone would let
// two members share a node once every node holds one (five members on three nodes): only the anti-affinity
// makes "never two on a node" hard. The preferred term adds its weight to the spread's score, so the
// preference for separate nodes is not outweighed by other scores (resource balance, image locality).
func memberAffinity(c *v1.InnoDBCluster) *corev1.Affinity {
	var a *corev1.Affinity
	if p := c.Spec.PodSpec; p != nil && p.Affinity != nil {
		a = p.Affinity.DeepCopy()
	} else {
		a = preferredMemberAffinity(c)
	}
	if c.Spec.Placement != v1.PlacementRequired {
		return a
	}
	if a.PodAntiAffinity == nil {
		a.PodAntiAffinity = &corev1.PodAntiAffinity{}
	}
	a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution = append(
		a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution, memberTerm(c))
	return a
}

// preferredMemberAffinity prefers one member per node, so a node loss costs one member, not quorum.
func preferredMemberAffinity(c *v1.InnoDBCluster) *corev1.Affinity {
	return &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
		PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{
			Weight: 100, PodAffinityTerm: memberTerm(c),
		}},
	}}
}

// memberTerm selects the cluster's member pods on the same node.
func memberTerm(c *v1.InnoDBCluster) corev1.PodAffinityTerm {
	return corev1.PodAffinityTerm{
		LabelSelector: &metav1.LabelSelector{MatchLabels: SelectorLabels(c)},
		TopologyKey:   corev1.LabelHostname,
	}
}

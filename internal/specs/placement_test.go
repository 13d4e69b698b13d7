package specs

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

func memberPodSpec(t *testing.T, c *v1.InnoDBCluster) corev1.PodSpec {
	t.Helper()
	sts, err := StatefulSet(c, StatefulSetOptions{OrcaImage: "orca:test"})
	if err != nil {
		t.Fatal(err)
	}
	return sts.Spec.Template.Spec
}

// spreadOver returns the pod's spread constraint over key, failing unless it counts this cluster's members
// with maxSkew 1.
func spreadOver(t *testing.T, c *v1.InnoDBCluster, spec corev1.PodSpec, key string) corev1.TopologySpreadConstraint {
	t.Helper()
	for _, tsc := range spec.TopologySpreadConstraints {
		if tsc.TopologyKey != key {
			continue
		}
		sel := tsc.LabelSelector
		if tsc.MaxSkew != 1 || sel == nil || len(sel.MatchLabels) != len(SelectorLabels(c)) ||
			sel.MatchLabels[v1.LabelCluster] != c.Name || sel.MatchLabels[v1.LabelComponent] != v1.ComponentMySQL {
			t.Fatalf("spread over %s: %+v", key, tsc)
		}
		return tsc
	}
	t.Fatalf("no spread over %s: %+v", key, spec.TopologySpreadConstraints)
	return corev1.TopologySpreadConstraint{}
}

func TestMembersSpreadOverNodesAndZones(t *testing.T) {
	for _, tc := range []struct {
		placement v1.PlacementPolicy
		nodes     corev1.UnsatisfiableConstraintAction
		required  int
	}{
		{v1.PlacementPreferred, corev1.ScheduleAnyway, 0},
		{v1.PlacementRequired, corev1.DoNotSchedule, 1},
	} {
		c := cluster(3)
		c.Spec.Placement = tc.placement
		spec := memberPodSpec(t, c)
		if n := len(spec.TopologySpreadConstraints); n != 2 {
			t.Fatalf("%s: %d constraints", tc.placement, n)
		}
		if got := spreadOver(t, c, spec, corev1.LabelHostname).WhenUnsatisfiable; got != tc.nodes {
			t.Errorf("%s: over nodes %s, want %s", tc.placement, got, tc.nodes)
		}
		// Never a filter over zones: nodes without the label would all be filtered out.
		if got := spreadOver(t, c, spec, corev1.LabelTopologyZone).WhenUnsatisfiable; got != corev1.ScheduleAnyway {
			t.Errorf("%s: over zones %s", tc.placement, got)
		}
		anti := spec.Affinity.PodAntiAffinity
		if len(anti.PreferredDuringSchedulingIgnoredDuringExecution) != 1 ||
			len(anti.RequiredDuringSchedulingIgnoredDuringExecution) != tc.required {
			t.Errorf("%s: anti-affinity %+v", tc.placement, anti)
		}
		for _, term := range anti.RequiredDuringSchedulingIgnoredDuringExecution {
			if term.TopologyKey != corev1.LabelHostname || term.LabelSelector.MatchLabels[v1.LabelCluster] != c.Name {
				t.Errorf("%s: required term %+v", tc.placement, term)
			}
		}
	}
}

// A user's affinity replaces Orca's preference; Required still adds its anti-affinity, without changing the
// user's object.
func TestUserAffinityKeepsRequiredAntiAffinity(t *testing.T) {
	c := cluster(3)
	user := &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
			MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "pool", Operator: corev1.NodeSelectorOpIn,
				Values: []string{"db"}}},
		}}},
	}}
	c.Spec.PodSpec = &v1.PodSpecOverrides{Affinity: user}
	if a := memberPodSpec(t, c).Affinity; a.NodeAffinity == nil || a.PodAntiAffinity != nil {
		t.Fatalf("Preferred with a user affinity: %+v", a)
	}
	c.Spec.Placement = v1.PlacementRequired
	a := memberPodSpec(t, c).Affinity
	if a.NodeAffinity == nil || len(a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution) != 1 ||
		a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution != nil {
		t.Fatalf("Required with a user affinity: %+v", a)
	}
	if user.PodAntiAffinity != nil {
		t.Fatal("the user's affinity was changed")
	}
	if len(memberPodSpec(t, c).Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution) != 1 {
		t.Fatal("a second render added the term again")
	}
}

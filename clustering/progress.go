package clustering

import (
	"fmt"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/topology"
)

// progress is the Progressing condition a pass observed.
type progress struct {
	status  metav1.ConditionStatus
	reason  v1.ConditionReason
	message string
}

// statefulSetCurrent reports whether the StatefulSet was applied from the cluster's generation and its
// controller observed it: only then do its revisions say what the members must run. A status never written
// (observedGeneration 0: no controller saw it yet) does not count as lagging; its pods do not exist yet either.
func statefulSetCurrent(c *v1.InnoDBCluster, sts *appsv1.StatefulSet) bool {
	if sts == nil || sts.Annotations[v1.AnnotationClusterGeneration] != strconv.FormatInt(c.Generation, 10) {
		return false
	}
	observed := sts.Status.ObservedGeneration
	return observed == 0 || observed >= sts.Generation
}

// progressOf decides Progressing: the StatefulSet not caught up with the cluster's generation, members not at
// its revision (an upgrade or a configuration change rolling), or member pods other than spec.instances
// (scaling); False once the members run the current generation's spec.
func progressOf(c *v1.InnoDBCluster, stsCurrent bool, members []topology.Member) progress {
	if !stsCurrent {
		return progress{metav1.ConditionTrue, v1.ReasonStatefulSetNotObserved,
			fmt.Sprintf("the StatefulSet has not taken generation %d yet", c.Generation)}
	}
	pods, behind := 0, 0
	for _, m := range members {
		if m.PodExists && !m.PodDeleting {
			pods++
		}
		if m.PodRunning && !m.AtTarget {
			behind++
		}
	}
	want := int(c.Spec.Instances)
	switch {
	case behind > 0:
		return progress{metav1.ConditionTrue, v1.ReasonUpgradeInProgress,
			fmt.Sprintf("%d of %d members run an older revision", behind, len(members))}
	case pods != want || len(members) != want:
		return progress{metav1.ConditionTrue, v1.ReasonScaling,
			fmt.Sprintf("%d member pods for spec.instances %d", pods, want)}
	}
	return progress{metav1.ConditionFalse, v1.ReasonConverged,
		fmt.Sprintf("the members run generation %d", c.Generation)}
}

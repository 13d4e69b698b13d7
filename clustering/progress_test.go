package clustering

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/topology"
)

// A StatefulSet applied from an older generation, or whose status lags its own generation, is not observed;
// members behind its revision are an upgrade in progress; other than spec.instances pods is scaling.
func TestProgress(t *testing.T) {
	c := &v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Generation: 3}}
	c.Spec.Instances = 3
	sts := func(applied string, gen, observed int64) *appsv1.StatefulSet {
		s := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Generation: gen,
			Annotations: map[string]string{v1.AnnotationClusterGeneration: applied}}}
		s.Status.ObservedGeneration = observed
		return s
	}
	for _, tc := range []struct {
		sts  *appsv1.StatefulSet
		want bool
	}{{nil, false}, {sts("2", 5, 5), false}, {sts("3", 6, 5), false}, {sts("3", 6, 6), true}, {sts("3", 1, 0), true}} {
		if got := statefulSetCurrent(c, tc.sts); got != tc.want {
			t.Errorf("statefulSetCurrent(%+v) = %v, want %v", tc.sts, got, tc.want)
		}
	}
	member := func(atTarget bool) topology.Member {
		return topology.Member{PodExists: true, PodRunning: true, AtTarget: atTarget}
	}
	three := []topology.Member{member(true), member(true), member(true)}
	for _, tc := range []struct {
		name    string
		current bool
		members []topology.Member
		want    v1.ConditionReason
	}{
		{"not observed", false, three, v1.ReasonStatefulSetNotObserved},
		{"upgrade", true, []topology.Member{member(true), member(false), member(true)}, v1.ReasonUpgradeInProgress},
		{"scale up", true, []topology.Member{member(true), member(true), {}}, v1.ReasonScaling},
		{"scale down", true, append(three, member(true)), v1.ReasonScaling},
		{"converged", true, three, v1.ReasonConverged},
	} {
		p := progressOf(c, tc.current, tc.members)
		wantStatus := metav1.ConditionTrue
		if tc.want == v1.ReasonConverged {
			wantStatus = metav1.ConditionFalse
		}
		if p.reason != tc.want || p.status != wantStatus {
			t.Errorf("%s: %+v, want %s %s", tc.name, p, wantStatus, tc.want)
		}
	}
}

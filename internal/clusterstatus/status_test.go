package clusterstatus

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

func TestDeriveReady(t *testing.T) {
	tests := []struct {
		name       string
		set        map[v1.ConditionType]metav1.ConditionStatus
		wantStatus metav1.ConditionStatus
		wantReason string
	}{
		{"nothing observed", nil, metav1.ConditionFalse, string(v1.ReasonNotObserved)},
		{"all true", map[v1.ConditionType]metav1.ConditionStatus{
			v1.ConditionResourcesReady: metav1.ConditionTrue, v1.ConditionGroupOnline: metav1.ConditionTrue,
			v1.ConditionMembersOnline: metav1.ConditionTrue}, metav1.ConditionTrue, string(v1.ReasonOnline)},
		{"routers not ready", map[v1.ConditionType]metav1.ConditionStatus{
			v1.ConditionResourcesReady: metav1.ConditionTrue, v1.ConditionGroupOnline: metav1.ConditionTrue,
			v1.ConditionMembersOnline: metav1.ConditionTrue, v1.ConditionRouterReady: metav1.ConditionFalse},
			metav1.ConditionFalse, "reason-RouterReady"},
		{"routers ready or not asked for", map[v1.ConditionType]metav1.ConditionStatus{
			v1.ConditionResourcesReady: metav1.ConditionTrue, v1.ConditionGroupOnline: metav1.ConditionTrue,
			v1.ConditionMembersOnline: metav1.ConditionTrue, v1.ConditionRouterReady: metav1.ConditionTrue},
			metav1.ConditionTrue, string(v1.ReasonOnline)},
		{"members first, routers after", map[v1.ConditionType]metav1.ConditionStatus{
			v1.ConditionResourcesReady: metav1.ConditionTrue, v1.ConditionGroupOnline: metav1.ConditionTrue,
			v1.ConditionMembersOnline: metav1.ConditionFalse, v1.ConditionRouterReady: metav1.ConditionFalse},
			metav1.ConditionFalse, "reason-MembersOnline"},
		{"progressing", map[v1.ConditionType]metav1.ConditionStatus{
			v1.ConditionResourcesReady: metav1.ConditionTrue, v1.ConditionProgressing: metav1.ConditionTrue,
			v1.ConditionGroupOnline: metav1.ConditionTrue, v1.ConditionMembersOnline: metav1.ConditionTrue},
			metav1.ConditionFalse, "reason-Progressing"},
		{"converged", map[v1.ConditionType]metav1.ConditionStatus{
			v1.ConditionResourcesReady: metav1.ConditionTrue, v1.ConditionProgressing: metav1.ConditionFalse,
			v1.ConditionGroupOnline: metav1.ConditionTrue, v1.ConditionMembersOnline: metav1.ConditionTrue},
			metav1.ConditionTrue, string(v1.ReasonOnline)},
		{"group not online", map[v1.ConditionType]metav1.ConditionStatus{
			v1.ConditionResourcesReady: metav1.ConditionTrue, v1.ConditionGroupOnline: metav1.ConditionFalse,
			v1.ConditionMembersOnline: metav1.ConditionTrue}, metav1.ConditionFalse, "reason-GroupOnline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s v1.InnoDBClusterStatus
			for typ, st := range tt.set {
				SetCondition(&s, 1, typ, st, v1.ConditionReason("reason-"+string(typ)), "msg")
			}
			DeriveReady(&s, 1)
			c := meta.FindStatusCondition(s.Conditions, string(v1.ConditionReady))
			if c == nil || c.Status != tt.wantStatus || c.Reason != tt.wantReason {
				t.Fatalf("Ready = %+v, want status %s reason %s", c, tt.wantStatus, tt.wantReason)
			}
		})
	}
}

func TestSetConditionKeepsTransitionTime(t *testing.T) {
	var s v1.InnoDBClusterStatus
	SetCondition(&s, 1, v1.ConditionGroupOnline, metav1.ConditionTrue, v1.ReasonOnline, "a")
	first := meta.FindStatusCondition(s.Conditions, string(v1.ConditionGroupOnline)).LastTransitionTime
	SetCondition(&s, 2, v1.ConditionGroupOnline, metav1.ConditionTrue, v1.ReasonOnline, "b")
	c := meta.FindStatusCondition(s.Conditions, string(v1.ConditionGroupOnline))
	if !c.LastTransitionTime.Equal(&first) || c.Message != "b" || c.ObservedGeneration != 2 {
		t.Fatalf("unexpected condition after same-status update: %+v", c)
	}
	if ConditionStatus(&s, v1.ConditionMembersOnline) != metav1.ConditionUnknown {
		t.Fatal("absent condition must be Unknown")
	}
}

// Ready and status.observedGeneration carry the oldest generation a writer observed: the loop's conditions of
// generation 1 keep Ready False (NotObserved) for generation 2 although every condition is True, so
// `kubectl wait --for=condition=Ready` does not return before the loop saw the change.
func TestDeriveReadyCarriesTheObservedGeneration(t *testing.T) {
	var s v1.InnoDBClusterStatus
	SetCondition(&s, 2, v1.ConditionResourcesReady, metav1.ConditionTrue, v1.ReasonApplied, "applied")
	for _, typ := range []v1.ConditionType{v1.ConditionGroupOnline, v1.ConditionMembersOnline} {
		SetCondition(&s, 1, typ, metav1.ConditionTrue, v1.ReasonOnline, "online")
	}
	SetCondition(&s, 1, v1.ConditionProgressing, metav1.ConditionFalse, v1.ReasonConverged, "converged")
	DeriveReady(&s, 2)
	c := meta.FindStatusCondition(s.Conditions, string(v1.ConditionReady))
	if c.Status != metav1.ConditionFalse || c.Reason != string(v1.ReasonNotObserved) || c.ObservedGeneration != 1 ||
		s.ObservedGeneration != 1 {
		t.Fatalf("Ready %+v, observedGeneration %d; want False NotObserved of generation 1", c, s.ObservedGeneration)
	}
	for _, typ := range []v1.ConditionType{v1.ConditionGroupOnline, v1.ConditionMembersOnline, v1.ConditionProgressing} {
		c := meta.FindStatusCondition(s.Conditions, string(typ))
		SetCondition(&s, 2, typ, c.Status, v1.ConditionReason(c.Reason), c.Message)
	}
	DeriveReady(&s, 2)
	c = meta.FindStatusCondition(s.Conditions, string(v1.ConditionReady))
	if c.Status != metav1.ConditionTrue || c.ObservedGeneration != 2 || s.ObservedGeneration != 2 {
		t.Fatalf("Ready %+v, observedGeneration %d; want True of generation 2", c, s.ObservedGeneration)
	}
}

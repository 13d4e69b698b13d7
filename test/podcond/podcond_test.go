package podcond

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func TestReadyFollowsContainersAndGates(t *testing.T) {
	pod := &corev1.Pod{Spec: corev1.PodSpec{ReadinessGates: []corev1.PodReadinessGate{{ConditionType: "example/gate"}}}}
	cr, r := Ready(pod, []string{"a", "b"}, nil)
	if cr.Status != corev1.ConditionFalse || r.Type != corev1.PodReady || r.Reason != ReasonContainersNotReady ||
		r.Message != "containers with unready status: [a b]" {
		t.Fatalf("unready containers: %+v %+v", cr, r)
	}
	_, r = Ready(pod, nil, nil)
	if r.Status != corev1.ConditionFalse || r.Reason != ReasonReadinessGatesNotReady {
		t.Fatalf("missing gate: %+v", r)
	}
	cr, r = Ready(pod, nil, []corev1.PodCondition{{Type: "example/gate", Status: corev1.ConditionTrue}})
	if cr.Status != corev1.ConditionTrue || r.Status != corev1.ConditionTrue {
		t.Fatalf("all ready: %+v %+v", cr, r)
	}
}

func TestSetKeepsTheTransitionTimeWhileTheStatusHolds(t *testing.T) {
	var s corev1.PodStatus
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	Set(&s, corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionFalse}, t0)
	Set(&s, corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: "x"}, t0.Add(time.Minute))
	if c := Find(s.Conditions, corev1.PodReady); !c.LastTransitionTime.Time.Equal(t0) || c.Reason != "x" {
		t.Fatalf("same status moved the transition time: %+v", c)
	}
	Set(&s, corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionTrue}, t0.Add(2*time.Minute))
	if c := Find(s.Conditions, corev1.PodReady); !c.LastTransitionTime.Time.Equal(t0.Add(2 * time.Minute)) {
		t.Fatalf("a new status kept the old transition time: %+v", c)
	}
}

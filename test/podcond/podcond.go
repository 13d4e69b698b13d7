// Package podcond writes pod conditions as the kubelet does (pkg/kubelet/status/generate.go), for the two test
// kubelets: test/simworld's simulated MySQL pods and test/podrunner's real processes.
package podcond

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Reasons of the Ready and ContainersReady conditions, as the kubelet writes them.
const (
	ReasonContainersNotReady     = "ContainersNotReady"
	ReasonReadinessGatesNotReady = "ReadinessGatesNotReady"
)

// Ready derives ContainersReady (True when no container is unready) and Ready (also every readiness gate's
// condition in conds True), with the kubelet's reasons and messages.
func Ready(pod *corev1.Pod, unready []string,
	conds []corev1.PodCondition) (containersReady, ready corev1.PodCondition) {
	containersReady = corev1.PodCondition{Type: corev1.ContainersReady, Status: corev1.ConditionTrue}
	if len(unready) > 0 {
		containersReady.Status, containersReady.Reason = corev1.ConditionFalse, ReasonContainersNotReady
		containersReady.Message = fmt.Sprintf("containers with unready status: [%s]", strings.Join(unready, " "))
		ready = containersReady
		ready.Type = corev1.PodReady
		return containersReady, ready
	}
	ready = corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionTrue}
	var gates []string
	for _, g := range pod.Spec.ReadinessGates {
		switch cond := Find(conds, g.ConditionType); {
		case cond == nil:
			gates = append(gates, fmt.Sprintf("corresponding condition of pod readiness gate %q does not exist.",
				g.ConditionType))
		case cond.Status != corev1.ConditionTrue:
			gates = append(gates, fmt.Sprintf("the status of pod readiness gate %q is not \"True\", but %v",
				g.ConditionType, cond.Status))
		}
	}
	if len(gates) > 0 {
		ready.Status, ready.Reason = corev1.ConditionFalse, ReasonReadinessGatesNotReady
		ready.Message = strings.Join(gates, ", ")
	}
	return containersReady, ready
}

// Find returns the condition of type t in cs, or nil.
func Find(cs []corev1.PodCondition, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range cs {
		if cs[i].Type == t {
			return &cs[i]
		}
	}
	return nil
}

// Set writes cond, keeping the last transition time when the status does not change.
func Set(s *corev1.PodStatus, cond corev1.PodCondition, now time.Time) {
	cur := Find(s.Conditions, cond.Type)
	if cur == nil {
		cond.LastTransitionTime = kubeTime(now)
		s.Conditions = append(s.Conditions, cond)
		return
	}
	if cur.Status == cond.Status {
		cond.LastTransitionTime = cur.LastTransitionTime
	} else {
		cond.LastTransitionTime = kubeTime(now)
	}
	cond.LastProbeTime = cur.LastProbeTime
	*cur = cond
}

// kubeTime is t as the API server stores it (whole seconds).
func kubeTime(t time.Time) metav1.Time { return metav1.NewTime(t).Rfc3339Copy() }

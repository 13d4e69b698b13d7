package simworld

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"

	"github.com/orca-operator/orca/internal/specs"
)

// mysqlContainer is the container whose process simworld plays.
const mysqlContainer = specs.ContainerMySQL

// Reasons of the Ready and ContainersReady conditions, as the kubelet writes them.
const (
	reasonContainersNotReady     = "ContainersNotReady"
	reasonReadinessGatesNotReady = "ReadinessGatesNotReady"
)

func findContainerStatus(ss []corev1.ContainerStatus, name string) *corev1.ContainerStatus {
	for i := range ss {
		if ss[i].Name == name {
			return &ss[i]
		}
	}
	return nil
}

// withContainer returns a copy of pod whose status shows the mysql container as c says, with the
// ContainersReady and Ready conditions that follow, and whether that differs from the pod's status.
func withContainer(pod *corev1.Pod, c containerRun, now time.Time, restartDelay time.Duration) (*corev1.Pod, bool) {
	want := pod.DeepCopy()
	ss := want.Status.ContainerStatuses
	if cur := findContainerStatus(ss, mysqlContainer); cur != nil {
		*cur = c.status(*cur, pod, now, restartDelay)
	} else {
		image := ""
		if ctr := findContainer(pod.Spec.Containers, mysqlContainer); ctr != nil {
			image = ctr.Image
		}
		want.Status.ContainerStatuses = append(ss, c.status(corev1.ContainerStatus{Image: image}, pod, now,
			restartDelay))
	}
	containersReady, ready := readyConditions(want)
	setCondition(&want.Status, containersReady, now)
	setCondition(&want.Status, ready, now)
	return want, !apiequality.Semantic.DeepEqual(pod.Status, want.Status)
}

// readyConditions derive ContainersReady and Ready from the container statuses and readiness gates as the
// kubelet does (pkg/kubelet/status/generate.go): ContainersReady when every container is ready, Ready when also
// every readiness gate's condition is True.
func readyConditions(pod *corev1.Pod) (containersReady, ready corev1.PodCondition) {
	var unready []string
	for _, ctr := range pod.Spec.Containers {
		if s := findContainerStatus(pod.Status.ContainerStatuses, ctr.Name); s == nil || !s.Ready {
			unready = append(unready, ctr.Name)
		}
	}
	containersReady = corev1.PodCondition{Type: corev1.ContainersReady, Status: corev1.ConditionTrue}
	if len(unready) > 0 {
		containersReady.Status, containersReady.Reason = corev1.ConditionFalse, reasonContainersNotReady
		containersReady.Message = fmt.Sprintf("containers with unready status: %s", unready)
		ready = containersReady
		ready.Type = corev1.PodReady
		return containersReady, ready
	}
	ready = corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionTrue}
	var gates []string
	for _, g := range pod.Spec.ReadinessGates {
		switch cond := findCondition(pod.Status.Conditions, g.ConditionType); {
		case cond == nil:
			gates = append(gates, fmt.Sprintf("corresponding condition of pod readiness gate %q does not exist.",
				g.ConditionType))
		case cond.Status != corev1.ConditionTrue:
			gates = append(gates, fmt.Sprintf("the status of pod readiness gate %q is not \"True\", but %v",
				g.ConditionType, cond.Status))
		}
	}
	if len(gates) > 0 {
		ready.Status, ready.Reason = corev1.ConditionFalse, reasonReadinessGatesNotReady
		ready.Message = strings.Join(gates, ", ")
	}
	return containersReady, ready
}

func findCondition(cs []corev1.PodCondition, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range cs {
		if cs[i].Type == t {
			return &cs[i]
		}
	}
	return nil
}

// setCondition writes cond, keeping the last transition time when the status does not change.
func setCondition(s *corev1.PodStatus, cond corev1.PodCondition, now time.Time) {
	cur := findCondition(s.Conditions, cond.Type)
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

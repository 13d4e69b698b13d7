package simworld

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"

	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/test/podcond"
)

// mysqlContainer is the container whose process simworld plays.
const mysqlContainer = specs.ContainerMySQL

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
	podcond.Set(&want.Status, containersReady, now)
	podcond.Set(&want.Status, ready, now)
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
	return podcond.Ready(pod, unready, pod.Status.Conditions)
}

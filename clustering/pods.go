package clustering

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
)

// mysqlContainer is the kubelet's status of the pod's mysql container, nil when it reports none.
func mysqlContainer(p *corev1.Pod) *corev1.ContainerStatus {
	for i := range p.Status.ContainerStatuses {
		if p.Status.ContainerStatuses[i].Name == specs.ContainerMySQL {
			return &p.Status.ContainerStatuses[i]
		}
	}
	return nil
}

// mysqldRunning reports whether the pod runs and its mysql container is running: a Running pod whose
// container exited (a crash, a clone's restart) has no mysqld.
func mysqldRunning(p *corev1.Pod) bool {
	if p.DeletionTimestamp != nil || p.Status.Phase != corev1.PodRunning {
		return false
	}
	cs := mysqlContainer(p)
	return cs != nil && cs.State.Running != nil
}

// restartedSinceOnline reports whether the mysql container restarted since Orca last saw the member ONLINE
// (or Orca never saw it ONLINE in this pod): the group's entry for it may describe the old incarnation.
func restartedSinceOnline(p *corev1.Pod) bool {
	cs := mysqlContainer(p)
	if cs == nil {
		return true
	}
	seen, ok := p.Annotations[v1.AnnotationOnlineRestarts]
	return !ok || seen != strconv.Itoa(int(cs.RestartCount))
}

// restartCount is the mysql container's restart count as the annotation records it.
func restartCount(p *corev1.Pod) string {
	if cs := mysqlContainer(p); cs != nil {
		return strconv.Itoa(int(cs.RestartCount))
	}
	return ""
}

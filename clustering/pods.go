package clustering

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

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

// rememberDeleted notes a pod this loop deleted (podDeleting).
func (l *loop) rememberDeleted(pod string, uid types.UID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.deleted == nil {
		l.deleted = map[string]types.UID{}
	}
	l.deleted[pod] = uid
}

// podDeleting reports whether the pod (as the cache has it; nil when absent) is going away: it has a deletion
// timestamp, or it is the very pod this loop deleted and the cache has not caught up yet. A member whose pod
// is deleting is never acted on (topology), so a stale cache cannot make the loop rejoin a member it just
// stopped to move or upgrade.
func (l *loop) podDeleting(name string, pod *corev1.Pod) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	uid, ok := l.deleted[name]
	if !ok {
		return pod != nil && pod.DeletionTimestamp != nil
	}
	if pod == nil || pod.UID != uid || pod.DeletionTimestamp != nil {
		delete(l.deleted, name) // the cache saw the delete (or a successor)
		return pod != nil && pod.DeletionTimestamp != nil
	}
	return true
}

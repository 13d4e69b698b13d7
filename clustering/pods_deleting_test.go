package clustering

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A pod the loop deleted counts as deleting while the cache still shows it as it was (the informer lags the
// delete), and no longer once the cache shows its deletion, a successor or nothing.
func TestPodTheLoopDeletedCountsAsDeletingUntilTheCacheCatchesUp(t *testing.T) {
	l := &loop{}
	old := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "db-0", UID: "u1"}}
	if l.podDeleting("db-0", old) {
		t.Fatal("a pod nobody deleted is deleting")
	}
	l.rememberDeleted("db-0", "u1")
	for pass := range 2 { // as many passes as the cache lags
		if !l.podDeleting("db-0", old) {
			t.Fatalf("pass %d: the pod the loop just deleted, as a stale cache shows it, is not deleting", pass)
		}
	}
	successor := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "db-0", UID: "u2"}}
	if l.podDeleting("db-0", successor) {
		t.Fatal("the StatefulSet's new pod counts as deleting")
	}
	if l.podDeleting("db-0", old) {
		t.Fatal("the delete was remembered after the cache showed a successor")
	}
	l.rememberDeleted("db-0", "u2")
	gone := successor.DeepCopy()
	gone.DeletionTimestamp = &metav1.Time{}
	if !l.podDeleting("db-0", gone) || l.podDeleting("db-0", nil) || l.podDeleting("db-0", successor) {
		t.Fatal("a deletion the cache shows is not read as the cache shows it")
	}
}

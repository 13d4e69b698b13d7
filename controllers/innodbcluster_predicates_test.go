package controllers

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// The loop's own status writes start no reconcile, except one that lets a scale-down shrink the StatefulSet;
// a spec change, a request annotation, a deletion and a finalizer do.
func TestReconcileNeeded(t *testing.T) {
	base := func() *v1.InnoDBCluster {
		c := &v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Generation: 2, Annotations: map[string]string{}}}
		c.Spec.Instances = 3
		c.Status.Members = []v1.MemberStatus{{Pod: "db-0", State: "ONLINE"}, {Pod: "db-3", State: "ONLINE"}}
		return c
	}
	now := metav1.Now()
	for _, tc := range []struct {
		name   string
		change func(*v1.InnoDBCluster)
		want   bool
	}{
		{"status written by the loop", func(c *v1.InnoDBCluster) {
			c.Status.LastProbeTime, c.Status.Primary, c.Status.ViewID = &now, "db-0", "1:9"
			c.Status.Members[0].State = "RECOVERING"
		}, false},
		{"the member beyond spec.instances left", func(c *v1.InnoDBCluster) { c.Status.Members[1].State = "OFFLINE" }, true},
		{"spec", func(c *v1.InnoDBCluster) { c.Generation++ }, true},
		{"request annotation", func(c *v1.InnoDBCluster) { c.Annotations[v1.AnnotationSwitchoverTo] = "db-1" }, true},
		{"deletion", func(c *v1.InnoDBCluster) { c.DeletionTimestamp = &now }, true},
		{"finalizer", func(c *v1.InnoDBCluster) { c.Finalizers = []string{v1.Finalizer} }, true},
	} {
		before, after := base(), base()
		tc.change(after)
		if got := reconcileNeeded(before, after); got != tc.want {
			t.Errorf("%s: reconcileNeeded = %v, want %v", tc.name, got, tc.want)
		}
	}
}

package controllers

import (
	"reflect"

	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
)

// clusterChanged passes creations, deletions and the updates a reconcile acts on.
func clusterChanged() predicate.Funcs {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		before, okBefore := e.ObjectOld.(*v1.InnoDBCluster)
		after, okAfter := e.ObjectNew.(*v1.InnoDBCluster)
		return !okBefore || !okAfter || reconcileNeeded(before, after)
	}}
}

// reconcileNeeded reports whether an update changes what the reconcile reads: the spec (generation), labels,
// annotations (requests the loop is woken for), deletion and finalizers, or the members still in the group
// beyond spec.instances (the StatefulSet shrinks once they left). Anything else in the status is the loop's
// own write.
func reconcileNeeded(before, after *v1.InnoDBCluster) bool {
	return before.Generation != after.Generation ||
		!reflect.DeepEqual(before.Labels, after.Labels) ||
		!reflect.DeepEqual(before.Annotations, after.Annotations) ||
		!before.DeletionTimestamp.Equal(after.DeletionTimestamp) ||
		!reflect.DeepEqual(before.Finalizers, after.Finalizers) ||
		specs.ReplicasDuringScaleDown(before) != specs.ReplicasDuringScaleDown(after)
}

package simworld

import (
	"context"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/orca-operator/orca/internal/specs"
)

type queue = workqueue.TypedRateLimitingInterface[reconcile.Request]

// podEvents queues the pod itself and remembers graceful deletions: by the time a pass runs, kwok may already
// have removed the pod, and only the event still tells SIGTERM (clean shutdown) from SIGKILL (crash).
func (w *World) podEvents() handler.TypedEventHandler[*corev1.Pod, reconcile.Request] {
	enqueue := func(p *corev1.Pod, q queue) {
		if gracefulDeletion(p) {
			w.mu.Lock()
			w.tombstones[types.NamespacedName{Namespace: p.Namespace, Name: p.Name}] = p.UID
			w.mu.Unlock()
		}
		q.Add(reconcile.Request{NamespacedName: types.NamespacedName{Namespace: p.Namespace, Name: p.Name}})
	}
	return handler.TypedFuncs[*corev1.Pod, reconcile.Request]{
		CreateFunc: func(_ context.Context, e event.TypedCreateEvent[*corev1.Pod], q queue) { enqueue(e.Object, q) },
		UpdateFunc: func(_ context.Context, e event.TypedUpdateEvent[*corev1.Pod], q queue) { enqueue(e.ObjectNew, q) },
		DeleteFunc: func(_ context.Context, e event.TypedDeleteEvent[*corev1.Pod], q queue) { enqueue(e.Object, q) },
	}
}

// gracefulDeletion says whether the pod is being deleted with a grace period.
func gracefulDeletion(p *corev1.Pod) bool {
	return p.DeletionTimestamp != nil && (p.DeletionGracePeriodSeconds == nil || *p.DeletionGracePeriodSeconds > 0)
}

// claimEvents queue the pod a data claim belongs to (StatefulSet claims are named <template>-<pod>).
func claimEvents() handler.TypedEventHandler[*corev1.PersistentVolumeClaim, reconcile.Request] {
	enqueue := func(c *corev1.PersistentVolumeClaim, q queue) {
		if pod, ok := strings.CutPrefix(c.Name, specs.DatadirVolume+"-"); ok {
			q.Add(reconcile.Request{NamespacedName: types.NamespacedName{Namespace: c.Namespace, Name: pod}})
		}
	}
	type claimEvent = event.TypedCreateEvent[*corev1.PersistentVolumeClaim]
	return handler.TypedFuncs[*corev1.PersistentVolumeClaim, reconcile.Request]{
		CreateFunc: func(_ context.Context, e claimEvent, q queue) { enqueue(e.Object, q) },
		UpdateFunc: func(_ context.Context, e event.TypedUpdateEvent[*corev1.PersistentVolumeClaim], q queue) {
			enqueue(e.ObjectNew, q)
		},
		DeleteFunc: func(_ context.Context, e event.TypedDeleteEvent[*corev1.PersistentVolumeClaim], q queue) {
			enqueue(e.Object, q)
		},
	}
}

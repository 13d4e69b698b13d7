package controllers

import (
	"context"
	"fmt"

	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/client-go/util/retry"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/opmetrics"
)

// DefaultHookStatusWindow is how long a hook's status waits after a change of one of its runs: the runs created
// or changed meanwhile are written in the same status update.
const DefaultHookStatusWindow = time.Second

// MigrationHookReconciler writes a hook's status: where its deliveries go and its newest run.
type MigrationHookReconciler struct {
	Client client.Client
	// ExternalURL is the receiver's base URL as git hosts reach it (--hooks-external-url); empty when unknown:
	// status.receiverURL is then the path alone.
	ExternalURL string
	// StatusWindow coalesces the status writes its runs cause: a change of a run writes the hook's status this
	// long after, once for every run created or changed meanwhile, so a burst of deliveries costs one status
	// write per window, not one per delivery. A change of the hook's spec is written at once. Zero:
	// DefaultHookStatusWindow.
	StatusWindow time.Duration
}

// +kubebuilder:rbac:groups=mysql.orca.dev,resources=migrationhooks/status,verbs=update

// Reconcile writes status.receiverPath and receiverURL, observedGeneration and the newest run, skipping a write
// that changes nothing and retrying on conflicts.
func (r *MigrationHookReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var runs v1.MigrationRunList
	if err := r.Client.List(ctx, &runs, client.InNamespace(req.Namespace), client.UnsafeDisableDeepCopy,
		client.MatchingLabels{v1.LabelMigrationHook: req.Name}); err != nil {
		return ctrl.Result{}, fmt.Errorf("list runs of hook %s: %w", req.Name, err)
	}
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var hook v1.MigrationHook
		if err := r.Client.Get(ctx, req.NamespacedName, &hook); err != nil {
			return client.IgnoreNotFound(err)
		}
		before := hook.Status.DeepCopy()
		hook.Status.ReceiverPath, hook.Status.ObservedGeneration = hook.ReceiverPath(), hook.Generation
		hook.Status.ReceiverURL = hook.ReceiverURL(r.ExternalURL)
		if newest := newestRun(runs.Items); newest != nil {
			hook.Status.LastRunName, hook.Status.LastDeliveryID = newest.Name, newest.Spec.DeliveryID
		}
		if equality.Semantic.DeepEqual(before, &hook.Status) {
			return nil
		}
		return r.Client.Status().Update(ctx, &hook)
	})
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("update status of hook %s: %w", req.NamespacedName, err)
	}
	return ctrl.Result{}, nil
}

func newestRun(runs []v1.MigrationRun) *v1.MigrationRun {
	var newest *v1.MigrationRun
	for i := range runs {
		if newest == nil || olderThan(newest, &runs[i]) {
			newest = &runs[i]
		}
	}
	return newest
}

// SetupWithManager watches hooks (their creation and spec changes: the controller's own status writes are not
// a change to write) and their runs, whose changes are coalesced over StatusWindow.
func (r *MigrationHookReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1.MigrationHook{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&v1.MigrationRun{}, runsOfHook(r.window())).
		Named("migrationhook").
		Complete(opmetrics.Reconciler("migrationhook", r))
}

func (r *MigrationHookReconciler) window() time.Duration {
	if r.StatusWindow > 0 {
		return r.StatusWindow
	}
	return DefaultHookStatusWindow
}

// runsOfHook enqueues a run's hook window after the run's creation, change or deletion. The queue keeps one
// entry per hook and never delays one already waiting: every run event of the window lands in that one pass.
func runsOfHook(window time.Duration) handler.EventHandler {
	type queue = workqueue.TypedRateLimitingInterface[reconcile.Request]
	add := func(o client.Object, q queue) {
		if hook := o.GetLabels()[v1.LabelMigrationHook]; hook != "" {
			q.AddAfter(reconcile.Request{NamespacedName: client.ObjectKey{Namespace: o.GetNamespace(), Name: hook}},
				window)
		}
	}
	return handler.Funcs{
		CreateFunc:  func(_ context.Context, e event.CreateEvent, q queue) { add(e.Object, q) },
		UpdateFunc:  func(_ context.Context, e event.UpdateEvent, q queue) { add(e.ObjectNew, q) },
		DeleteFunc:  func(_ context.Context, e event.DeleteEvent, q queue) { add(e.Object, q) },
		GenericFunc: func(_ context.Context, e event.GenericEvent, q queue) { add(e.Object, q) },
	}
}

package controllers

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/client-go/util/retry"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/opmetrics"
)

// MigrationHookReconciler writes a hook's status: where its deliveries go and its newest run.
type MigrationHookReconciler struct {
	Client client.Client
	// ExternalURL is the receiver's base URL as git hosts reach it (--hooks-external-url); empty when unknown:
	// status.receiverURL is then the path alone.
	ExternalURL string
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

// SetupWithManager watches hooks and their runs.
func (r *MigrationHookReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1.MigrationHook{}).
		Watches(&v1.MigrationRun{}, handler.EnqueueRequestsFromMapFunc(
			func(_ context.Context, o client.Object) []reconcile.Request {
				hook := o.GetLabels()[v1.LabelMigrationHook]
				if hook == "" {
					return nil
				}
				return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: o.GetNamespace(), Name: hook}}}
			})).
		Named("migrationhook").
		Complete(opmetrics.Reconciler("migrationhook", r))
}

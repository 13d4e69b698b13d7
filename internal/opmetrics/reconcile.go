package opmetrics

import (
	"context"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// Reconciler counts and times r's reconciles as controller.
func Reconciler(controller string, r reconcile.Reconciler) reconcile.Reconciler {
	return reconcile.Func(func(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
		start := time.Now()
		res, err := r.Reconcile(ctx, req)
		reconcileSeconds.WithLabelValues(controller).Observe(time.Since(start).Seconds())
		reconciles.WithLabelValues(controller, result(err)).Inc()
		return res, err
	})
}

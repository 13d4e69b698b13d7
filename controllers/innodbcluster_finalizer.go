package controllers

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// finalize runs when the cluster is being deleted: it stops the cluster's loop, applies the volume retention
// policy (volumes are kept unless datadirRetentionPolicy.whenDeleted is Delete), then lets the object go.
// Owned objects are removed by Kubernetes' garbage collector through their owner references.
func (r *InnoDBClusterReconciler) finalize(ctx context.Context, c *v1.InnoDBCluster) error {
	if !controllerutil.ContainsFinalizer(c, v1.Finalizer) {
		return nil
	}
	r.forget(client.ObjectKeyFromObject(c))
	desired := c.DeepCopy()
	desired.SetDefaults()
	claims, err := r.memberClaims(ctx, desired)
	if err != nil {
		return err
	}
	if desired.Spec.DatadirRetentionPolicy.WhenDeleted == v1.RetentionDelete {
		for i := range claims {
			if err := r.Delete(ctx, &claims[i]); err != nil && !apierrors.IsNotFound(err) {
				return fmt.Errorf("delete volume claim %s: %w", claims[i].Name, err)
			}
		}
		if len(claims) > 0 {
			emit(r.Recorder, c, evVolumesDeleted, "deleted %d data volume claims", len(claims))
		}
	} else if len(claims) > 0 {
		emit(r.Recorder, c, evVolumesKept, "kept %d data volume claims (datadirRetentionPolicy.whenDeleted=Retain)",
			len(claims))
	}
	controllerutil.RemoveFinalizer(c, v1.Finalizer)
	if err := r.Update(ctx, c); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("remove finalizer: %w", err)
	}
	log.FromContext(ctx).Info("cluster finalized", "volumeClaims", len(claims),
		"retention", desired.Spec.DatadirRetentionPolicy.WhenDeleted)
	return nil
}

package controllers

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/events"
)

// finalize runs when the cluster is being deleted: it stops the cluster's loop, applies the volume retention
// policy (volumes are kept unless datadirRetentionPolicy.whenDeleted is Delete), then lets the object go.
// Owned objects are removed by Kubernetes' garbage collector through their owner references, except the
// generated Secrets when the volumes are kept: the retained data directories hold accounts with their
// passwords, so they are released from the cluster and stay for a cluster re-created with the same name.
func (r *InnoDBClusterReconciler) finalize(ctx context.Context, c *v1.InnoDBCluster) error {
	if !controllerutil.ContainsFinalizer(c, v1.Finalizer) {
		return nil
	}
	r.forget(client.ObjectKeyFromObject(c))
	desired := c.DeepCopy()
	desired.SetDefaults()
	policy := desired.Spec.DatadirRetentionPolicy.WhenDeleted
	claims, err := r.applyRetention(ctx, desired, policy)
	if err != nil {
		return err
	}
	controllerutil.RemoveFinalizer(c, v1.Finalizer)
	if err := r.Update(ctx, c); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("remove finalizer: %w", err)
	}
	log.FromContext(ctx).Info("cluster finalized", "volumeClaims", claims, "retention", policy)
	return nil
}

// applyRetention deletes or keeps the members' data volume claims and, when they are kept, the Secrets that
// go with them. It returns the number of claims.
func (r *InnoDBClusterReconciler) applyRetention(ctx context.Context, c *v1.InnoDBCluster,
	policy v1.RetentionAction) (int, error) {
	claims, err := r.memberClaims(ctx, c)
	if err != nil {
		return 0, err
	}
	if policy == v1.RetentionDelete {
		for i := range claims {
			if err := r.Delete(ctx, &claims[i]); err != nil && !apierrors.IsNotFound(err) {
				return 0, fmt.Errorf("delete volume claim %s: %w", claims[i].Name, err)
			}
		}
		if len(claims) > 0 {
			emit(r.Recorder, c, events.VolumesDeleted, "deleted %d data volume claims", len(claims))
		}
		return len(claims), nil
	}
	if len(claims) > 0 {
		emit(r.Recorder, c, events.VolumesKept,
			"kept %d data volume claims (datadirRetentionPolicy.whenDeleted=Retain)", len(claims))
	}
	return len(claims), r.releaseSecrets(ctx, c)
}

// releaseSecrets removes the cluster's owner reference from the Secrets it generated, so the garbage collector
// leaves them with the retained volumes; a cluster re-created with the same name adopts them (adoptSecret).
func (r *InnoDBClusterReconciler) releaseSecrets(ctx context.Context, c *v1.InnoDBCluster) error {
	var released []string
	for _, name := range generatedSecretNames(c) {
		s, err := r.readSecret(ctx, c.Namespace, name)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		if !metav1.IsControlledBy(s, c) {
			continue
		}
		patch := client.MergeFromWithOptions(s.DeepCopy(), client.MergeFromWithOptimisticLock{})
		s.OwnerReferences = withoutOwner(s.OwnerReferences, c)
		if err := r.Patch(ctx, s, patch); err != nil {
			return fmt.Errorf("release secret %s from the cluster: %w", name, err)
		}
		released = append(released, name)
	}
	if len(released) > 0 {
		emit(r.Recorder, c, events.SecretsKept, "kept secrets %s with the retained volumes "+
			"(datadirRetentionPolicy.whenDeleted=Retain); a cluster created again with this name adopts them",
			strings.Join(released, ", "))
	}
	return nil
}

func withoutOwner(refs []metav1.OwnerReference, c *v1.InnoDBCluster) []metav1.OwnerReference {
	out := make([]metav1.OwnerReference, 0, len(refs))
	for _, ref := range refs {
		if ref.UID != c.UID {
			out = append(out, ref)
		}
	}
	return out
}

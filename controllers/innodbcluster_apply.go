package controllers

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/events"
	"github.com/orca-operator/orca/internal/specs"
)

// apply server-side-applies obj as owned by the cluster. Applying the same object twice is a no-op on the
// API server, which is what makes the reconcile idempotent.
func (r *InnoDBClusterReconciler) apply(ctx context.Context, c *v1.InnoDBCluster, obj client.Object) error {
	if err := controllerutil.SetControllerReference(c, obj, r.Scheme); err != nil {
		return fmt.Errorf("set owner of %s: %w", obj.GetName(), err)
	}
	raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return fmt.Errorf("convert %s: %w", obj.GetName(), err)
	}
	u := &unstructured.Unstructured{Object: raw}
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	unstructured.RemoveNestedField(u.Object, "status")
	if err := r.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(FieldOwner),
		client.ForceOwnership); err != nil {
		emit(r.Recorder, c, events.ApplyFailed, "apply %s %s: %v", u.GetKind(), u.GetName(), err)
		return fmt.Errorf("apply %s %s: %w", u.GetKind(), u.GetName(), err)
	}
	return nil
}

func (r *InnoDBClusterReconciler) applyConfig(ctx context.Context, c *v1.InnoDBCluster, group,
	groupSSLMode string) (string, error) {
	mycnf := specs.RenderMyCnfWith(c, group, specs.MyCnfOptions{GroupSSLMode: groupSSLMode})
	if err := r.apply(ctx, c, specs.ConfigMap(c, mycnf)); err != nil {
		return "", err
	}
	return specs.ConfigHash(mycnf), nil
}

func (r *InnoDBClusterReconciler) applyServices(ctx context.Context, c *v1.InnoDBCluster) error {
	if err := r.apply(ctx, c, specs.HeadlessService(c)); err != nil {
		return err
	}
	viaRouter, err := r.clientViaRouter(ctx, c)
	if err != nil {
		return err
	}
	for _, svc := range specs.ClientServices(c, viaRouter) {
		if err := r.apply(ctx, c, svc); err != nil {
			return err
		}
	}
	return nil
}

func (r *InnoDBClusterReconciler) applyStatefulSet(ctx context.Context, c *v1.InnoDBCluster, hash,
	tlsHash string) error {
	sts, err := specs.StatefulSet(c, specs.StatefulSetOptions{OrcaImage: r.OrcaImage, ConfigHash: hash,
		TLSHash:     tlsHash,
		ClusterZone: r.ClusterZone, Replicas: specs.ReplicasDuringScaleDown(c)})
	if err != nil {
		return err
	}
	// volumeClaimTemplates cannot change once the StatefulSet exists; storage growth is applied to the
	// claims themselves (expandVolumes).
	var current appsv1.StatefulSet
	switch err := r.Get(ctx, client.ObjectKeyFromObject(sts), &current); {
	case err == nil:
		sts.Spec.VolumeClaimTemplates = current.Spec.VolumeClaimTemplates
		for i := range sts.Spec.VolumeClaimTemplates {
			sts.Spec.VolumeClaimTemplates[i].Status = corev1.PersistentVolumeClaimStatus{}
		}
	case !apierrors.IsNotFound(err):
		return fmt.Errorf("get statefulset: %w", err)
	}
	return r.apply(ctx, c, sts)
}

func (r *InnoDBClusterReconciler) applyPDB(ctx context.Context, c *v1.InnoDBCluster) error {
	pdb := specs.PodDisruptionBudget(c)
	if pdb != nil {
		return r.apply(ctx, c, pdb)
	}
	stale := &policyv1.PodDisruptionBudget{}
	stale.Name, stale.Namespace = specs.PDBName(c), c.Namespace
	if err := r.Delete(ctx, stale); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete pod disruption budget: %w", err)
	}
	return nil
}

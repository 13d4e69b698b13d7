package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/events"
	"github.com/orca-operator/orca/internal/specs"
)

// inCluster lists the objects of the cluster's members.
func inCluster(c *v1.InnoDBCluster) []client.ListOption {
	return []client.ListOption{client.InNamespace(c.Namespace), client.MatchingLabels(specs.SelectorLabels(c))}
}

func (r *InnoDBClusterReconciler) memberClaims(ctx context.Context, c *v1.InnoDBCluster) (
	[]corev1.PersistentVolumeClaim, error) {
	var list corev1.PersistentVolumeClaimList
	if err := r.List(ctx, &list, inCluster(c)...); err != nil {
		return nil, fmt.Errorf("list volume claims: %w", err)
	}
	return list.Items, nil
}

// expandVolumes grows each member's claim to the requested storage. Claims never shrink (the CRD refuses
// it) and the StatefulSet's template cannot change, so the claims are patched directly.
func (r *InnoDBClusterReconciler) expandVolumes(ctx context.Context, c *v1.InnoDBCluster) error {
	want, err := resource.ParseQuantity(c.Spec.DatadirVolumeClaimTemplate.Storage)
	if err != nil {
		return fmt.Errorf("parse storage: %w", err)
	}
	claims, err := r.memberClaims(ctx, c)
	if err != nil {
		return err
	}
	for i := range claims {
		pvc := &claims[i]
		have := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
		if have.Cmp(want) >= 0 {
			continue
		}
		patch := client.MergeFrom(pvc.DeepCopy())
		pvc.Spec.Resources.Requests[corev1.ResourceStorage] = want
		if err := r.Patch(ctx, pvc, patch); err != nil {
			return fmt.Errorf("expand volume claim %s: %w", pvc.Name, err)
		}
		emit(r.Recorder, c, events.VolumeExpanded, "expanded %s from %s to %s", pvc.Name, have.String(), want.String())
	}
	return nil
}

package controllers

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
)

// memberClaim creates a bound data-volume claim as the StatefulSet controller would (envtest runs none).
func memberClaim(t *testing.T, c *v1.InnoDBCluster, ordinal int, size string) *corev1.PersistentVolumeClaim {
	t.Helper()
	var class *string
	if c.Spec.DatadirVolumeClaimTemplate != nil {
		class = c.Spec.DatadirVolumeClaimTemplate.StorageClassName
	}
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: c.Namespace, Name: fmt.Sprintf("datadir-%s", specs.PodName(c, ordinal)),
			Labels: specs.SelectorLabels(c)},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)}},
			VolumeName:       fmt.Sprintf("pv-%s-%d", c.Namespace, ordinal),
			StorageClassName: class,
		},
	}
	ctx := context.Background()
	if err := k8s.Create(ctx, pvc); err != nil {
		t.Fatalf("create claim: %v", err)
	}
	pvc.Status.Phase = corev1.ClaimBound
	pvc.Status.Capacity = corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)}
	if err := k8s.Status().Update(ctx, pvc); err != nil {
		t.Fatalf("bind claim: %v", err)
	}
	return pvc
}

func TestDeleteKeepsVolumesByDefault(t *testing.T) {
	ns := newNamespace(t)
	c := createCluster(t, newCluster(ns, "db"))
	waitFinalizer(t, ns)
	pvc := memberClaim(t, c, 0, "2Gi")
	if err := k8s.Delete(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	waitGone(t, ns)
	if err := k8s.Get(context.Background(), key(ns, pvc.Name), &corev1.PersistentVolumeClaim{}); err != nil {
		t.Fatalf("the data volume claim was not kept: %v", err)
	}
	if _, forgotten := loops.counts(key(ns, "db")); forgotten == 0 {
		t.Error("the cluster loop was not stopped on delete")
	}
}

func TestDeleteWithDeletePolicyRemovesVolumes(t *testing.T) {
	ns := newNamespace(t)
	c := newCluster(ns, "db")
	c.Spec.DatadirRetentionPolicy = &v1.DatadirRetentionPolicy{WhenDeleted: v1.RetentionDelete}
	createCluster(t, c)
	waitFinalizer(t, ns)
	pvc := memberClaim(t, c, 0, "2Gi")
	if err := k8s.Delete(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	waitGone(t, ns)
	eventually(t, wait, func() error {
		var got corev1.PersistentVolumeClaim
		err := k8s.Get(context.Background(), key(ns, pvc.Name), &got)
		if apierrors.IsNotFound(err) || (err == nil && got.DeletionTimestamp != nil) {
			return nil
		}
		return fmt.Errorf("claim still there: %w", err)
	})
}

func waitFinalizer(t *testing.T, ns string) {
	t.Helper()
	eventually(t, wait, func() error {
		var got v1.InnoDBCluster
		if err := k8s.Get(context.Background(), key(ns, "db"), &got); err != nil {
			return err
		}
		if len(got.Finalizers) == 0 {
			return fmt.Errorf("no finalizer yet")
		}
		return nil
	})
}

func waitGone(t *testing.T, ns string) {
	t.Helper()
	eventually(t, wait, func() error {
		err := k8s.Get(context.Background(), key(ns, "db"), &v1.InnoDBCluster{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("cluster still exists: %w", err)
	})
}

func TestMissingUserSecretIsReported(t *testing.T) {
	ns := newNamespace(t)
	c := newCluster(ns, "db")
	c.Spec.SecretName = "my-root"
	createCluster(t, c)
	eventually(t, wait, func() error {
		var got v1.InnoDBCluster
		if err := k8s.Get(context.Background(), key(ns, "db"), &got); err != nil {
			return err
		}
		cond := meta.FindStatusCondition(got.Status.Conditions, string(v1.ConditionResourcesReady))
		if cond == nil || cond.Reason != string(v1.ReasonSecretInvalid) {
			return fmt.Errorf("condition %+v", cond)
		}
		return nil
	})
	// Providing the Secret without the password key is still refused, by name.
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "my-root"}, StringData: map[string]string{"rootUser": "root"}}
	if err := k8s.Create(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	eventually(t, wait, func() error {
		_, err := reconciler.Reconcile(context.Background(), reconcileRequest(ns))
		if err == nil || !contains(err.Error(), "lacks keys rootPassword") {
			return fmt.Errorf("reconcile error %w", err)
		}
		return nil
	})
	s.StringData = map[string]string{"rootPassword": "s3cret-Pass"}
	if err := k8s.Update(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	get(t, key(ns, "db-mycnf"), &corev1.ConfigMap{})
}

func TestStorageGrowthExpandsClaims(t *testing.T) {
	ns := newNamespace(t)
	class := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "expandable-" + ns},
		Provisioner: "example.com/csi", AllowVolumeExpansion: ptr.To(true)}
	if err := k8s.Create(context.Background(), class); err != nil {
		t.Fatal(err)
	}
	c := newCluster(ns, "db")
	c.Spec.DatadirVolumeClaimTemplate = &v1.DatadirVolumeClaim{Storage: "2Gi", StorageClassName: ptr.To(class.Name)}
	createCluster(t, c)
	waitFinalizer(t, ns)
	pvc := memberClaim(t, c, 0, "2Gi")
	if err := update(t, key(ns, "db"), func(c *v1.InnoDBCluster) {
		c.Spec.DatadirVolumeClaimTemplate.Storage = "3Gi"
	}); err != nil {
		t.Fatal(err)
	}
	eventually(t, wait, func() error {
		var got corev1.PersistentVolumeClaim
		if err := k8s.Get(context.Background(), key(ns, pvc.Name), &got); err != nil {
			return err
		}
		if q := got.Spec.Resources.Requests[corev1.ResourceStorage]; q.String() != "3Gi" {
			return fmt.Errorf("claim requests %s", q.String())
		}
		return nil
	})
}

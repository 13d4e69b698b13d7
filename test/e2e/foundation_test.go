package e2e

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// The sample cluster on a simulated cluster: the StatefulSet's three pods run on kwok's fake nodes and
// their data volumes bind, driven by the real controller-manager and scheduler.
func TestSampleClusterReachesRunningPods(t *testing.T) {
	h := startHarness(t)
	ctx := context.Background()
	c := loadSample(t, "mysql_v1alpha1_innodbcluster.yaml")
	c.Namespace = "default"
	if err := h.Client.Create(ctx, c); err != nil {
		t.Fatalf("create sample: %v", err)
	}
	eventually(t, 60*time.Second, func() error {
		var pods corev1.PodList
		if err := h.Client.List(ctx, &pods, client.InNamespace("default"),
			client.MatchingLabels{v1.LabelCluster: c.Name}); err != nil {
			return err
		}
		running := 0
		for _, p := range pods.Items {
			if p.Status.Phase == corev1.PodRunning {
				running++
			}
		}
		if running != 3 {
			return errorf("%d of 3 pods running", running)
		}
		var pvcs corev1.PersistentVolumeClaimList
		if err := h.Client.List(ctx, &pvcs, client.InNamespace("default"),
			client.MatchingLabels{v1.LabelCluster: c.Name}); err != nil {
			return err
		}
		bound := 0
		for _, p := range pvcs.Items {
			if p.Status.Phase == corev1.ClaimBound {
				bound++
			}
		}
		if bound != 3 {
			return errorf("%d of 3 data volumes bound", bound)
		}
		return nil
	})
	eventually(t, 30*time.Second, func() error {
		var got v1.InnoDBCluster
		if err := h.Client.Get(ctx, client.ObjectKeyFromObject(c), &got); err != nil {
			return err
		}
		cond := meta.FindStatusCondition(got.Status.Conditions, string(v1.ConditionResourcesReady))
		if cond == nil || cond.Status != "True" {
			return errorf("ResourcesReady %+v", cond)
		}
		return nil
	})
	var sts appsv1.StatefulSet
	if err := h.Client.Get(ctx, client.ObjectKey{Namespace: "default", Name: c.Name}, &sts); err != nil {
		t.Fatal(err)
	}
	if sts.Status.Replicas != 3 {
		t.Fatalf("statefulset status replicas %d", sts.Status.Replicas)
	}
}

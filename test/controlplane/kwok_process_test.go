package controlplane_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// processImage is the Options.ProcessImages entry of the simulated-kubelet suite.
const processImage = "orca:process"

func scheduledPod(t *testing.T, c client.Client, p *corev1.Pod) {
	t.Helper()
	if err := c.Create(context.Background(), p); err != nil {
		t.Fatalf("create pod %s: %v", p.Name, err)
	}
	eventually(t, 15*time.Second, "pod "+p.Name+" scheduled", func(ctx context.Context) error {
		if err := c.Get(ctx, client.ObjectKeyFromObject(p), p); err != nil {
			return err
		}
		if p.Spec.NodeName == "" {
			return fmt.Errorf("not scheduled")
		}
		return nil
	})
}

// A pod with a container running a process image is scheduled by the real scheduler but left alone by kwok: no
// status, no completion, and a graceful deletion waits for whatever plays its kubelet. A pod whose init container
// only runs that image (a MySQL member) is still kwok's.
func testProcessImagesLeftAlone(t *testing.T, c client.Client) {
	ctx := context.Background()
	run := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "process", Namespace: "default"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{
			{Name: "sidecar", Image: "busybox"}, {Name: "router", Image: processImage},
		}},
	}
	scheduledPod(t, c, run)
	member := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "member", Namespace: "default"},
		Spec: corev1.PodSpec{
			InitContainers: []corev1.Container{{Name: "init", Image: processImage}},
			Containers:     []corev1.Container{{Name: "mysql", Image: "mysql:8.4"}},
		},
	}
	scheduledPod(t, c, member)
	// kwok plays pods in the order it sees them: once the later pod is Ready, the earlier one had its chance.
	expectReady(t, c, member, corev1.ConditionTrue)
	if err := c.Get(ctx, client.ObjectKeyFromObject(run), run); err != nil {
		t.Fatal(err)
	}
	if run.Status.Phase != corev1.PodPending || run.Status.PodIP != "" || len(run.Status.ContainerStatuses) > 0 {
		t.Fatalf("kwok played the process pod: %+v", run.Status)
	}
	if err := c.Delete(ctx, run); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, member); err != nil {
		t.Fatal(err)
	}
	eventually(t, 15*time.Second, "member pod deleted by kwok", func(ctx context.Context) error {
		return expectGone(ctx, c, member)
	})
	if err := c.Get(ctx, client.ObjectKeyFromObject(run), run); err != nil || run.DeletionTimestamp == nil {
		t.Fatalf("process pod should stay terminating until its kubelet deletes it: %v", err)
	}
	// What the runner does once the process stopped: delete with no grace.
	if err := c.Delete(ctx, run, client.GracePeriodSeconds(0), client.Preconditions{UID: ptr.To(run.UID)}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 15*time.Second, "process pod deleted", func(ctx context.Context) error {
		return expectGone(ctx, c, run)
	})
}

func expectGone(ctx context.Context, c client.Client, p *corev1.Pod) error {
	err := c.Get(ctx, client.ObjectKeyFromObject(p), &corev1.Pod{})
	if err == nil {
		return fmt.Errorf("pod %s still there", p.Name)
	}
	return client.IgnoreNotFound(err)
}

package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// setCordoned marks every kwok node (un)schedulable, so pods the StatefulSet recreates stay Pending until
// uncordoned: their members stay away, as when their nodes are lost. Cordoning returns once the scheduler
// has seen it (a canary pod is found unschedulable).
func (h *harness) setCordoned(tb testing.TB, on bool) {
	tb.Helper()
	ctx := context.Background()
	var nodes corev1.NodeList
	if err := h.Client.List(ctx, &nodes); err != nil {
		tb.Fatal(err)
	}
	for i := range nodes.Items {
		n := &nodes.Items[i]
		patch := client.MergeFrom(n.DeepCopy())
		n.Spec.Unschedulable = on
		if err := h.Client.Patch(ctx, n, patch); err != nil {
			tb.Fatalf("cordon %s: %v", n.Name, err)
		}
	}
	if on {
		h.waitUnschedulable(ctx, tb)
	}
}

func (h *harness) waitUnschedulable(ctx context.Context, tb testing.TB) {
	tb.Helper()
	canary := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", GenerateName: "cordon-canary-"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "canary"}}}}
	if err := h.Client.Create(ctx, canary); err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = h.Client.Delete(ctx, canary, client.GracePeriodSeconds(0)) }()
	eventually(tb, 30*time.Second, func() error {
		if err := h.Client.Get(ctx, client.ObjectKeyFromObject(canary), canary); err != nil {
			return err
		}
		for _, cond := range canary.Status.Conditions {
			if cond.Type == corev1.PodScheduled && cond.Reason == corev1.PodReasonUnschedulable {
				return nil
			}
		}
		if node := canary.Spec.NodeName; node != "" {
			// The scheduler had not seen every node's cordon yet (node and pod updates reach it on separate
			// streams): try again with a fresh canary.
			_ = h.Client.Delete(ctx, canary, client.GracePeriodSeconds(0))
			canary = &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", GenerateName: "cordon-canary-"},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "canary"}}}}
			if err := h.Client.Create(ctx, canary); err != nil {
				return err
			}
			return fmt.Errorf("canary landed on %s: the scheduler has not seen the cordon yet", node)
		}
		return fmt.Errorf("the scheduler has not judged the canary pod yet")
	})
}

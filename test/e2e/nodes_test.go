package e2e

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
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
		h.waitCanaryUnschedulable(ctx, tb, nil)
	}
}

package operator

import (
	"context"
	"fmt"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/test/envtestutil"
)

// TestClustersPresentAtStartAreReconciledUnderLoad: clusters that exist when the operator starts (its cache's
// initial list) are reconciled while another cluster keeps its controller busy. A priority queue ranks initial-list
// events below every later one, so one cluster changing faster than it reconciles (or a hundred clusters
// bootstrapping) kept them waiting indefinitely: no finalizer, no objects.
func TestClustersPresentAtStartAreReconciledUnderLoad(t *testing.T) {
	cfg, k8s := startControlPlane(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	waiting := make([]*v1.InnoDBCluster, 4)
	for i := range waiting {
		waiting[i] = createCluster(ctx, t, k8s, fmt.Sprintf("early-%d", i))
	}
	hot := createCluster(ctx, t, k8s, "hot")
	busy := make(chan struct{})
	go keepChanging(ctx, t, k8s, hot, busy)
	mgr, err := New(cfg, Options{MetricsAddr: "0", ProbeAddr: "0", SecondInstance: true, OrcaImage: "orca:test"})
	if err != nil {
		t.Fatal(err)
	}
	defer envtestutil.RunManager(t, mgr, 30*time.Second)()
	waitFinalizers(ctx, t, k8s, waiting, 30*time.Second)
	select {
	case <-busy:
		t.Fatal("the hot cluster stopped changing: the test no longer shows a busy controller")
	default:
	}
}

// keepChanging rewrites an annotation of c back to back (each write is an update the reconciler acts on) until
// ctx ends; it closes failed if a write fails.
func keepChanging(ctx context.Context, t *testing.T, k8s client.Client, c *v1.InnoDBCluster, failed chan struct{}) {
	for i := 0; ctx.Err() == nil; i++ {
		patch := client.RawPatch("application/merge-patch+json",
			fmt.Appendf(nil, `{"metadata":{"annotations":{"test.orca.dev/touch":"%d"}}}`, i))
		if err := k8s.Patch(ctx, c.DeepCopy(), patch); err != nil {
			if ctx.Err() == nil {
				t.Logf("touch %s: %v", c.Name, err)
				close(failed)
			}
			return
		}
	}
}

func waitFinalizers(ctx context.Context, t *testing.T, k8s client.Client, cs []*v1.InnoDBCluster, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var missing []string
		for _, c := range cs {
			var got v1.InnoDBCluster
			if err := k8s.Get(ctx, client.ObjectKeyFromObject(c), &got); err != nil {
				t.Fatal(err)
			}
			if len(got.Finalizers) == 0 {
				missing = append(missing, c.Name)
			}
		}
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s, clusters present at the operator's start still have no finalizer: %v", within, missing)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

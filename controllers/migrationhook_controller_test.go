package controllers

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// TestHookStatusCoalescesDeliveries: 50 runs created one after the other, as deliveries arriving in a row make
// them, then 50 at once, as a burst does, cost the hook a status write per StatusWindow at most (0.8 per run
// before: docs/benchmarks.md), and the status ends naming the newest run.
func TestHookStatusCoalescesDeliveries(t *testing.T) {
	ns := newNamespace(t)
	create(t, migrationHook(ns, "app", nil))
	var hook v1.MigrationHook
	eventually(t, wait, func() error {
		if err := k8s.Get(context.Background(), key(ns, "app"), &hook); err != nil {
			return err
		}
		if hook.Status.ReceiverPath == "" {
			return errors.New("no receiverPath yet")
		}
		return nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	w, err := k8sWatch.Watch(ctx, &v1.MigrationHookList{}, client.InNamespace(ns),
		&client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: hook.ResourceVersion}})
	if err != nil {
		t.Fatalf("watch hook: %v", err)
	}
	defer w.Stop()
	began := time.Now()
	createRuns(t, ns, "app", "row", 50, false)
	newest := createRuns(t, ns, "app", "burst", 50, true)
	writes, named := 0, false
	for ev := range w.ResultChan() {
		h, ok := ev.Object.(*v1.MigrationHook)
		if !ok || ev.Type != watch.Modified {
			t.Fatalf("watch: %s %T", ev.Type, ev.Object)
		}
		writes++
		if named = h.Status.LastRunName == newest.Name && h.Status.LastDeliveryID == newest.Spec.DeliveryID; named {
			break
		}
	}
	if !named {
		t.Fatalf("the hook's status never named the newest run %s (%d writes seen)", newest.Name, writes)
	}
	// Each write waits a window after the pass before it: no more than one per window went by.
	if most := 1 + int(time.Since(began)/DefaultHookStatusWindow); writes > most {
		t.Fatalf("100 runs cost the hook %d status writes in %s, want at most %d (one per %s)", writes,
			time.Since(began).Round(time.Millisecond), most, DefaultHookStatusWindow)
	}
}

// createRuns creates n runs of hook as the receiver does, one after the other or all at once, and returns the
// newest run of the hook.
func createRuns(t *testing.T, ns, hook, prefix string, n int, atOnce bool) *v1.MigrationRun {
	t.Helper()
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		if !atOnce {
			wg.Wait()
		}
		wg.Go(func() {
			delivery := fmt.Sprintf("%s-%d", prefix, i)
			errs <- k8s.Create(context.Background(), &v1.MigrationRun{ObjectMeta: metav1.ObjectMeta{Namespace: ns,
				Name: v1.MigrationRunName(hook, delivery), Labels: map[string]string{v1.LabelMigrationHook: hook,
					v1.LabelCluster: "db"}}, Spec: v1.MigrationRunSpec{HookName: hook, ClusterName: "db",
				Commit: fmt.Sprintf("%040x", i), Ref: "refs/heads/main", DeliveryID: delivery, Event: "push"}})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("create run: %v", err)
		}
	}
	var runs v1.MigrationRunList
	if err := k8s.List(context.Background(), &runs, client.InNamespace(ns)); err != nil {
		t.Fatalf("list runs: %v", err)
	}
	return newestRun(runs.Items)
}

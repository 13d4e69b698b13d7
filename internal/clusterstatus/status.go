// Package clusterstatus is the one place InnoDBCluster status is written: every writer (the reconciler, the
// per-cluster loop) passes a small mutation that is re-applied to a fresh read on conflict, and a write that
// changes nothing is skipped.
package clusterstatus

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// Mutation changes a status in place. It is called once per attempt on a freshly read object, so it must
// depend only on its inputs and the status it is given.
type Mutation func(cluster *v1.InnoDBCluster, status *v1.InnoDBClusterStatus)

// Update applies the mutations to the cluster's status, derives Ready, and writes the status subresource,
// retrying on conflicts. It reports whether anything was written.
func Update(ctx context.Context, c client.Client, key types.NamespacedName, mutations ...Mutation) (bool, error) {
	written, err := writeStatus(ctx, c, key, func() *v1.InnoDBCluster { return &v1.InnoDBCluster{} },
		func(cl *v1.InnoDBCluster) any { return &cl.Status }, func(cl *v1.InnoDBCluster) {
			for _, m := range mutations {
				m(cl, &cl.Status)
			}
			DeriveReady(&cl.Status, cl.Generation)
		})
	if err != nil {
		return false, fmt.Errorf("update status of %s: %w", key, err)
	}
	return written, nil
}

// writeStatus reads a fresh object, mutates it and writes its status subresource when the status changed,
// retrying on conflicts: the one loop behind every status writer.
func writeStatus[O client.Object](ctx context.Context, c client.Client, key types.NamespacedName, newObj func() O,
	status func(O) any, mutate func(O)) (bool, error) {
	written := false
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		obj := newObj()
		if err := c.Get(ctx, key, obj); err != nil {
			return err
		}
		before, ok := obj.DeepCopyObject().(O)
		if !ok {
			return fmt.Errorf("deep copy of %s", key)
		}
		mutate(obj)
		if equality.Semantic.DeepEqual(status(before), status(obj)) {
			return nil
		}
		if err := c.Status().Update(ctx, obj); err != nil {
			return err
		}
		written = true
		return nil
	})
	return written, err
}

// SetCondition sets one typed condition; the transition time moves only when the status changes.
func SetCondition(s *v1.InnoDBClusterStatus, generation int64, t v1.ConditionType, status metav1.ConditionStatus,
	reason v1.ConditionReason, message string) {
	meta.SetStatusCondition(&s.Conditions, metav1.Condition{
		Type: string(t), Status: status, Reason: string(reason), Message: message, ObservedGeneration: generation,
	})
}

// ConditionStatus returns a condition's status, or Unknown when it is absent.
func ConditionStatus(s *v1.InnoDBClusterStatus, t v1.ConditionType) metav1.ConditionStatus {
	if c := meta.FindStatusCondition(s.Conditions, string(t)); c != nil {
		return c.Status
	}
	return metav1.ConditionUnknown
}

// readyInputs are the conditions Ready sums up, in the order their reasons are reported: the initDB restore
// first, since nothing else can become Ready before it completed and its failure is final. Progressing counts
// inverted: Ready is False while the cluster moves to its spec.
var readyInputs = []v1.ConditionType{v1.ConditionInitDBRestored, v1.ConditionResourcesReady, v1.ConditionProgressing,
	v1.ConditionGroupOnline, v1.ConditionMembersOnline, v1.ConditionRouterReady}

// convergenceInputs are the inputs their writers stamp with the generation they observed on every pass (the
// reconciler, the loop); Ready's observedGeneration is the oldest of theirs. InitDBRestored is written once.
var convergenceInputs = []v1.ConditionType{v1.ConditionResourcesReady, v1.ConditionProgressing,
	v1.ConditionGroupOnline, v1.ConditionMembersOnline, v1.ConditionRouterReady}

// countsOnceWritten are inputs that count only once present. The reconciler writes RouterReady on every pass,
// True when no router is asked for, so Ready includes the routers exactly when a router is asked for; a status
// the cluster loop writes before the first pass of an upgraded reconciler must not turn Ready False for it.
// InitDBRestored exists only for a cluster with spec.initDB, written before the group can be bootstrapped. The
// loop writes Progressing with GroupOnline, so a status older than it still derives Ready.
var countsOnceWritten = map[v1.ConditionType]bool{v1.ConditionRouterReady: true, v1.ConditionInitDBRestored: true,
	v1.ConditionProgressing: true}

// wantTrue is the status of an input that lets Ready be True.
func wantTrue(t v1.ConditionType) metav1.ConditionStatus {
	if t == v1.ConditionProgressing {
		return metav1.ConditionFalse
	}
	return metav1.ConditionTrue
}

// DeriveReady sets Ready from the other conditions: True only when all allow it; otherwise it carries the
// reason and message of the first one that does not. Ready, and status.observedGeneration, carry the oldest
// generation its inputs observed (generation when none did): `kubectl wait --for=condition=Ready` after a spec
// change waits until every writer observed the change, and until it is converged. It is the only code that
// writes Ready.
func DeriveReady(s *v1.InnoDBClusterStatus, generation int64) {
	observed := observedGeneration(s, generation)
	s.ObservedGeneration = observed
	if observed < generation {
		SetCondition(s, observed, v1.ConditionReady, metav1.ConditionFalse, v1.ReasonNotObserved,
			fmt.Sprintf("generation %d has not been observed yet", generation))
		return
	}
	for _, t := range readyInputs {
		c := meta.FindStatusCondition(s.Conditions, string(t))
		if c == nil && countsOnceWritten[t] {
			continue
		}
		if c == nil {
			SetCondition(s, observed, v1.ConditionReady, metav1.ConditionFalse, v1.ReasonNotObserved,
				fmt.Sprintf("%s has not been observed yet", t))
			return
		}
		if c.Status != wantTrue(t) {
			SetCondition(s, observed, v1.ConditionReady, metav1.ConditionFalse, v1.ConditionReason(c.Reason),
				fmt.Sprintf("%s: %s", t, c.Message))
			return
		}
	}
	SetCondition(s, observed, v1.ConditionReady, metav1.ConditionTrue, v1.ReasonOnline, "the cluster is ready")
}

// observedGeneration is the oldest generation Ready's inputs were written for.
func observedGeneration(s *v1.InnoDBClusterStatus, generation int64) int64 {
	oldest := int64(0)
	for _, t := range convergenceInputs {
		if c := meta.FindStatusCondition(s.Conditions, string(t)); c != nil && c.ObservedGeneration > 0 &&
			(oldest == 0 || c.ObservedGeneration < oldest) {
			oldest = c.ObservedGeneration
		}
	}
	if oldest == 0 {
		return generation
	}
	return oldest
}

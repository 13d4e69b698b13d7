package clusterstatus

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// RestoreMutation changes a MySQLRestore's status in place; like Mutation it is re-applied to a fresh read on
// conflict.
type RestoreMutation func(r *v1.MySQLRestore, status *v1.MySQLRestoreStatus)

// UpdateRestore applies the mutations to a restore's status and writes it, retrying on conflicts and skipping
// a write that changes nothing. It reports whether anything was written.
func UpdateRestore(ctx context.Context, c client.Client, key types.NamespacedName,
	mutations ...RestoreMutation) (bool, error) {
	written, err := writeStatus(ctx, c, key, func() *v1.MySQLRestore { return &v1.MySQLRestore{} },
		func(r *v1.MySQLRestore) any { return &r.Status }, func(r *v1.MySQLRestore) {
			for _, m := range mutations {
				m(r, &r.Status)
			}
		})
	if err != nil {
		return false, fmt.Errorf("update status of restore %s: %w", key, err)
	}
	return written, nil
}

// SetRestoreCondition sets one typed condition of a restore; the transition time moves only when the status
// changes.
func SetRestoreCondition(s *v1.MySQLRestoreStatus, generation int64, t v1.RestoreConditionType,
	status metav1.ConditionStatus, reason v1.RestoreReason, message string) {
	meta.SetStatusCondition(&s.Conditions, metav1.Condition{
		Type: string(t), Status: status, Reason: string(reason), Message: message, ObservedGeneration: generation,
	})
}

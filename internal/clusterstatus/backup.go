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

// BackupMutation changes a MySQLBackup's status in place; like Mutation it is re-applied to a fresh read on
// conflict.
type BackupMutation func(b *v1.MySQLBackup, status *v1.MySQLBackupStatus)

// UpdateBackup applies the mutations to a backup's status and writes it, retrying on conflicts and skipping a
// write that changes nothing. It reports whether anything was written.
func UpdateBackup(ctx context.Context, c client.Client, key types.NamespacedName,
	mutations ...BackupMutation) (bool, error) {
	written, err := writeStatus(ctx, c, key, func() *v1.MySQLBackup { return &v1.MySQLBackup{} },
		func(b *v1.MySQLBackup) any { return &b.Status }, func(b *v1.MySQLBackup) {
			for _, m := range mutations {
				m(b, &b.Status)
			}
		})
	if err != nil {
		return false, fmt.Errorf("update status of backup %s: %w", key, err)
	}
	return written, nil
}

// SetBackupCondition sets one typed condition of a backup; the transition time moves only when the status
// changes.
func SetBackupCondition(s *v1.MySQLBackupStatus, generation int64, t v1.BackupConditionType,
	status metav1.ConditionStatus, reason v1.BackupReason, message string) {
	meta.SetStatusCondition(&s.Conditions, metav1.Condition{
		Type: string(t), Status: status, Reason: string(reason), Message: message, ObservedGeneration: generation,
	})
}

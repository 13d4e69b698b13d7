package controllers

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/clusterstatus"
)

// lastCompleteBackup is the backup of the cluster that completed last (by completion time, then name).
func lastCompleteBackup(backups []observedBackup) *v1.BackupRef {
	return newestBackup(backups, func(b *observedBackup) *metav1.Time {
		if b.Phase != v1.BackupSucceeded {
			return nil
		}
		return b.Status.CompletionTime
	})
}

// lastVerifiedBackup is the backup of the cluster whose verification passed last (by verification time).
func lastVerifiedBackup(backups []observedBackup) *v1.BackupRef {
	return newestBackup(backups, func(b *observedBackup) *metav1.Time {
		if !b.Status.IsVerified() {
			return nil
		}
		return b.Status.VerifiedAt
	})
}

// newestBackup refers to the backup with the latest time by when (nil leaves a backup out), then by name.
func newestBackup(backups []observedBackup, when func(*observedBackup) *metav1.Time) *v1.BackupRef {
	var best *observedBackup
	var bestAt *metav1.Time
	for i := range backups {
		b := &backups[i]
		at := when(b)
		if at != nil && (best == nil || newerTime(at, bestAt, b.Name, best.Name)) {
			best, bestAt = b, at
		}
	}
	if best == nil {
		return nil
	}
	return &v1.BackupRef{Name: best.Name, Time: bestAt, Location: best.Status.Location, GTIDSet: best.Status.GTIDSet}
}

func newerTime(a, b *metav1.Time, aName, bName string) bool {
	if !a.Equal(b) {
		return a.After(b.Time)
	}
	return aName > bName
}

// applyScheduleStatus writes the pass's outcome into the cluster's status: the schedules, the last backups and
// the condition BackupSchedulesValid (removed when the cluster has no schedules).
func applyScheduleStatus(c *v1.InnoDBCluster, s *v1.InnoDBClusterStatus, p schedulePlan, backups []observedBackup) {
	s.BackupSchedules = p.Status
	s.LastCompleteBackup = lastCompleteBackup(backups)
	s.LastVerifiedBackup = lastVerifiedBackup(backups)
	if p.Reason == "" {
		meta.RemoveStatusCondition(&s.Conditions, string(v1.ConditionBackupSchedulesValid))
		return
	}
	status := metav1.ConditionTrue
	if p.Reason != v1.ReasonSchedulesValid {
		status = metav1.ConditionFalse
	}
	clusterstatus.SetCondition(s, c.Generation, v1.ConditionBackupSchedulesValid, status, p.Reason, p.Message)
}

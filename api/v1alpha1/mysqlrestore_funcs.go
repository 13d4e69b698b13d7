package v1alpha1

// SafetyBackupEnabled reports whether a backup of the cluster is taken before writes are stopped: spec.safetyBackup,
// true when unset.
func (s *MySQLRestoreSpec) SafetyBackupEnabled() bool {
	return s.SafetyBackup == nil || *s.SafetyBackup
}

// Finished reports whether the restore reached a final phase.
func (s *MySQLRestoreStatus) Finished() bool {
	return s.Phase == RestorePhaseCompleted || s.Phase == RestorePhaseFailed
}

// RestoreFenced reports whether an in-place restore stopped the cluster's writes; reform is true once the
// restored first member is handed back to the cluster loop.
func (c *InnoDBCluster) RestoreFenced() (restore string, reform bool) {
	restore = c.Annotations[AnnotationRestoreFence]
	return restore, restore != "" && c.Annotations[AnnotationRestoreReform] == "true"
}

// RestoreSafetyBackupName is the MySQLBackup a restore takes before it stops writes: <restore>-pre-restore,
// shortened as MigrationRunBackupName does when it would not fit.
func RestoreSafetyBackupName(restore string) string {
	return suffixedName(restore, "-pre-restore", maxBackupName)
}

// RestoreJobName is the Job of an in-place restore: <restore>-restore, shortened to fit a label value.
func RestoreJobName(restore string) string { return suffixedName(restore, "-restore", 63) }

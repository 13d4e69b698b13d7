package controllers

import (
	"encoding/json"
	"fmt"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/backup"
)

// initDBObservation is what the cluster reconciler saw of a spec.initDB restore, as plain data.
type initDBObservation struct {
	// Pending is cluster.RestorePending(): initDB asks for a restore that has not completed, and the group was
	// never bootstrapped.
	Pending bool
	// Phase is status.initDB.phase.
	Phase v1.InitDBPhase
	// BackupName is spec.initDB.dump.backupName; empty when the dump names a storage and location.
	BackupName string
	// BackupFound and BackupPhase describe that MySQLBackup.
	BackupFound bool
	BackupPhase v1.BackupPhase
	// FirstPodRunning is true when the pod of ordinal 0 runs (its mysqld starts or serves).
	FirstPodRunning bool
	// Job is the restore Job; nil when it does not exist.
	Job *jobState
}

// initDBStep is what the reconciler does next for the restore. An empty Reason writes nothing.
type initDBStep struct {
	Phase   v1.InitDBPhase
	Reason  v1.ConditionReason
	Message string
	// CreateJob starts the restore Job; DeleteJob removes it once its success is recorded (a failed one stays
	// for its logs, owned by the cluster).
	CreateJob, DeleteJob bool
	// RestoreSeconds is set when the restore completed.
	RestoreSeconds *int64
	// Wait asks to look again soon (for the backup, for the first pod).
	Wait bool
}

// planInitDB decides the next step of a cluster's initDB restore. Completed and Failed are final: a failed
// restore never lets the group be bootstrapped on a partial copy.
func planInitDB(o initDBObservation) initDBStep {
	switch {
	case !o.Pending || o.Phase == v1.InitDBFailed:
		return initDBStep{DeleteJob: o.Phase == v1.InitDBCompleted && o.Job != nil}
	case o.Job != nil:
		return observeInitDBJob(*o.Job)
	case o.BackupName != "" && !o.BackupFound:
		return initDBStep{Phase: v1.InitDBPending, Reason: v1.ReasonRestoreBackupNotFound, Wait: true,
			Message: fmt.Sprintf("MySQLBackup %s does not exist in the namespace", o.BackupName)}
	case o.BackupName != "" && o.BackupPhase == v1.BackupFailed:
		return initDBStep{Phase: v1.InitDBFailed, Reason: v1.ReasonRestoreFailed,
			Message: fmt.Sprintf("MySQLBackup %s failed: it can never be restored", o.BackupName)}
	case o.BackupName != "" && o.BackupPhase != v1.BackupSucceeded:
		return initDBStep{Phase: v1.InitDBPending, Reason: v1.ReasonRestorePending, Wait: true,
			Message: fmt.Sprintf("waiting for MySQLBackup %s to succeed", o.BackupName)}
	case !o.FirstPodRunning:
		return initDBStep{Phase: v1.InitDBPending, Reason: v1.ReasonRestorePending,
			Message: "waiting for the first member's pod to run"}
	}
	return initDBStep{Phase: v1.InitDBRunning, Reason: v1.ReasonRestoring, CreateJob: true,
		Message: "restoring the backup into the first member before the group is bootstrapped"}
}

// observeInitDBJob reads the restore Job's outcome from its termination message (a backup.RestoreReport).
func observeInitDBJob(j jobState) initDBStep {
	if !j.Succeeded && !j.Failed {
		return initDBStep{Phase: v1.InitDBRunning, Reason: v1.ReasonRestoring,
			Message: "restoring the backup into the first member before the group is bootstrapped"}
	}
	var rep backup.RestoreReport
	readable := json.Unmarshal([]byte(j.Message), &rep) == nil
	if j.Succeeded && readable && rep.Failure == "" {
		return initDBStep{Phase: v1.InitDBCompleted, Reason: v1.ReasonRestored, DeleteJob: true,
			RestoreSeconds: restoreSeconds(rep),
			Message:        fmt.Sprintf("restored %d rows in %.1f s", rep.Rows, rep.RestoreSeconds)}
	}
	msg := j.Message
	switch {
	case readable && rep.Failure == backup.FailureCorrupt:
		msg = fmt.Sprintf("object %s is corrupt: %s", orUnknown(rep.Object), rep.Error)
	case readable && rep.Error != "":
		msg = rep.Error
	case msg == "":
		msg = "the restore Job failed without a report"
	}
	return initDBStep{Phase: v1.InitDBFailed, Reason: v1.ReasonRestoreFailed, Message: "restore failed: " + msg +
		"; the group is not bootstrapped: delete the cluster and its volumes, then create it again"}
}

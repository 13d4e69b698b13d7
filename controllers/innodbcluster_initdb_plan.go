package controllers

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/backup"
	"github.com/orca-operator/orca/backup/pitr"
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
	// RestorePoint is spec.initDB.restorePoint: the Job replays the archive after the backup.
	RestorePoint string
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
	// Reached is the point the replay reached, with a restore point, once the Job reported it.
	Reached *v1.RestorePointReached
	// Wait asks to look again soon (for the backup, for the first pod).
	Wait bool
}

// planInitDB decides the next step of a cluster's initDB restore. Completed and Failed are final: a failed
// restore never lets the group be bootstrapped on a partial copy.
func planInitDB(o initDBObservation) initDBStep {
	switch {
	case !o.Pending && (o.Phase == v1.InitDBPending || o.Phase == v1.InitDBRunning):
		// No longer pending while neither completed nor failed: the group was bootstrapped (status.bootstrapped)
		// before the restore was recorded. Its outcome can no longer count; say so instead of staying Running.
		return initDBStep{Phase: v1.InitDBFailed, Reason: v1.ReasonRestoreFailed,
			Message: "the group was bootstrapped before the restore into the first member completed, so the " +
				"cluster may serve a partial copy; delete the cluster and its volumes, then create it again"}
	case !o.Pending || o.Phase == v1.InitDBFailed:
		return initDBStep{DeleteJob: o.Phase == v1.InitDBCompleted && o.Job != nil}
	case o.Job != nil:
		return observeInitDBJob(*o.Job, o.RestorePoint)
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

// restoreReport is the restore Job's termination message: a backup.RestoreReport and, with a restore point,
// the point the replay of the archive reached.
type restoreReport struct {
	backup.RestoreReport
	Reached *pitr.Reached `json:"reached,omitempty"`
}

// observeInitDBJob reads the restore Job's outcome from its termination message.
func observeInitDBJob(j jobState, point string) initDBStep {
	if !j.Succeeded && !j.Failed {
		return initDBStep{Phase: v1.InitDBRunning, Reason: v1.ReasonRestoring,
			Message: "restoring the backup into the first member before the group is bootstrapped"}
	}
	var rep restoreReport
	readable := json.Unmarshal([]byte(j.Message), &rep) == nil
	reached := reachedPoint(point, rep.Reached)
	if j.Succeeded && readable && rep.Failure == "" && (point == "" || reached != nil) {
		return initDBStep{Phase: v1.InitDBCompleted, Reason: v1.ReasonRestored, DeleteJob: true,
			RestoreSeconds: restoreSeconds(rep.RestoreReport), Reached: reached,
			Message: fmt.Sprintf("restored %d rows in %.1f s", rep.Rows, rep.RestoreSeconds) + replayed(reached)}
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
	return initDBStep{Phase: v1.InitDBFailed, Reason: v1.ReasonRestoreFailed, Reached: reached,
		Message: "restore failed: " + msg +
			"; the group is not bootstrapped: delete the cluster and its volumes, then create it again"}
}

// reachedPoint is the status form of the replay's report; nil without a restore point or a report.
func reachedPoint(point string, r *pitr.Reached) *v1.RestorePointReached {
	if point == "" || r == nil {
		return nil
	}
	out := &v1.RestorePointReached{RestorePoint: point, GTID: r.GTID, GTIDSet: r.GTIDSet,
		Transactions: int32(min(r.Transactions, math.MaxInt32))}
	if !r.Time.IsZero() {
		t := metav1.NewTime(r.Time.UTC())
		out.Time = &t
	}
	return out
}

func replayed(r *v1.RestorePointReached) string {
	switch {
	case r == nil:
		return ""
	case r.GTID == "":
		return fmt.Sprintf("; the backup was already at %s", r.RestorePoint)
	}
	return fmt.Sprintf("; replayed %d transactions to %s (%s) for restore point %s", r.Transactions, r.GTID,
		r.Time.UTC().Format(time.RFC3339), r.RestorePoint)
}

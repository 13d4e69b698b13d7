package controllers

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/backup"
)

// restoreObservation is what the restore reconciler saw of one in-place restore, as plain data.
type restoreObservation struct {
	// Name is the restore's name; Phase its current phase.
	Name  string
	Phase v1.RestorePhase
	// ClusterFound is false when spec.clusterName names no cluster.
	ClusterFound bool
	// Fence is the cluster's AnnotationRestoreFence (the restore holding it), "" when none.
	Fence string
	// BackupFound and BackupPhase describe spec.backupName.
	BackupFound bool
	BackupPhase v1.BackupPhase
	// SafetyBackup is spec.safetyBackup; Safety the safety MySQLBackup, nil when it does not exist.
	SafetyBackup bool
	Safety       *v1.MySQLBackup
	// Busy names the cluster's other operations in progress: restores, backup Jobs, migrations.
	Busy []string
	// Job is the restore Job; nil when it does not exist.
	Job *jobState
	// RestorePoint is spec.restorePoint.
	RestorePoint string
	// ReformStartedAt is status.reformStartedAt; OnlineSince when the cluster's MembersOnline condition last
	// turned True (zero while it is not True).
	ReformStartedAt, OnlineSince time.Time
}

// restoreStep is what the reconciler does next. An empty Reason writes no status. The effects run in the order
// of the fields: fence, safety backup, Job, reform, lift.
type restoreStep struct {
	Phase   v1.RestorePhase
	Reason  v1.RestoreReason
	Message string
	// Fence sets the cluster's restore fence (writes stop); it never takes a fence another restore holds.
	Fence bool
	// CreateSafetyBackup creates the <restore>-pre-restore MySQLBackup.
	CreateSafetyBackup bool
	// CreateJob starts the restore Job.
	CreateJob bool
	// Reform hands the restored first member to the cluster loop.
	Reform bool
	// LiftFence removes the fence when this restore holds it.
	LiftFence bool
	// Reached is the replay's point, once the Job reported it.
	Reached *v1.RestorePointReached
	// Wait asks to look again soon.
	Wait bool
}

// planRestore decides the next step of an in-place restore. Nothing changes the cluster before every check
// passed; Completed and Failed are final.
func planRestore(o restoreObservation) restoreStep {
	switch o.Phase {
	case v1.RestorePhaseCompleted:
		return restoreStep{Phase: o.Phase, LiftFence: o.Fence == o.Name}
	case v1.RestorePhaseFailed:
		return restoreStep{Phase: o.Phase}
	case v1.RestorePhaseReforming:
		return planReform(o)
	case v1.RestorePhaseRestoring:
		return planRestoring(o)
	case v1.RestorePhaseBackingUp:
		return planSafety(o)
	}
	if step, blocked := restorePrechecks(o); blocked {
		return step
	}
	if o.SafetyBackup {
		return restoreStep{Phase: v1.RestorePhaseBackingUp, Reason: v1.RestoreReasonSafetyBackupRunning,
			CreateSafetyBackup: true, Wait: true,
			Message: "taking the safety backup " + v1.RestoreSafetyBackupName(o.Name) + "; the cluster still serves"}
	}
	return fenceStep()
}

// restorePrechecks holds or fails a restore that has not changed anything yet.
func restorePrechecks(o restoreObservation) (restoreStep, bool) {
	pending := func(reason v1.RestoreReason, msg string) (restoreStep, bool) {
		return restoreStep{Phase: v1.RestorePhasePending, Reason: reason, Message: msg, Wait: true}, true
	}
	switch {
	case !o.ClusterFound:
		return pending(v1.RestoreReasonClusterNotFound, "the cluster does not exist")
	case !o.BackupFound:
		return pending(v1.RestoreReasonBackupNotFound, "the MySQLBackup does not exist in the namespace")
	case o.BackupPhase == v1.BackupFailed:
		return restoreStep{Phase: v1.RestorePhaseFailed, Reason: v1.RestoreReasonBackupFailed,
			Message: "the MySQLBackup failed: it can never be restored; nothing was changed"}, true
	case o.BackupPhase != v1.BackupSucceeded:
		return pending(v1.RestoreReasonWaitingForBackup, "waiting for the MySQLBackup to succeed")
	}
	return busyStep(o, v1.RestorePhasePending)
}

// busyStep holds the restore in its phase while another operation of the cluster runs or another restore
// holds its fence.
func busyStep(o restoreObservation, phase v1.RestorePhase) (restoreStep, bool) {
	busy := o.Busy
	if o.Fence != "" && o.Fence != o.Name {
		busy = append([]string{"MySQLRestore " + o.Fence + " (it holds the cluster's restore fence)"}, busy...)
	}
	if len(busy) == 0 {
		return restoreStep{}, false
	}
	return restoreStep{Phase: phase, Reason: v1.RestoreReasonOperationInProgress, Wait: true,
		Message: "waiting for " + strings.Join(busy, ", ") + " to end"}, true
}

// fenceStep stops the cluster's writes and starts the restore Job.
func fenceStep() restoreStep {
	return restoreStep{Phase: v1.RestorePhaseRestoring, Reason: v1.RestoreReasonRestoring, Fence: true,
		CreateJob: true, Message: "writes stopped: the restore Job fences every member and replaces the first " +
			"member's data"}
}

// planSafety follows the safety backup, then stops writes once it succeeded and nothing else runs.
func planSafety(o restoreObservation) restoreStep {
	name := v1.RestoreSafetyBackupName(o.Name)
	switch {
	case o.Safety == nil:
		return restoreStep{Phase: v1.RestorePhaseBackingUp, Wait: true} // just created: the cache lags
	case o.Safety.Status.Phase == v1.BackupFailed:
		return restoreStep{Phase: v1.RestorePhaseFailed, Reason: v1.RestoreReasonSafetyBackupFailed,
			Message: "the safety backup " + name + " failed, so nothing was changed: " + o.Safety.Status.Message}
	case o.Safety.Status.Phase != v1.BackupSucceeded:
		return restoreStep{Phase: v1.RestorePhaseBackingUp, Reason: v1.RestoreReasonSafetyBackupRunning, Wait: true,
			Message: "taking the safety backup " + name + "; the cluster still serves"}
	}
	if step, busy := busyStep(o, v1.RestorePhaseBackingUp); busy {
		return step
	}
	return fenceStep()
}

// planRestoring creates the Job once nothing else runs beside the fence (a backup that started just before
// it was set is waited for), then reads the Job's outcome.
func planRestoring(o restoreObservation) restoreStep {
	if o.Job == nil {
		if step, busy := busyStep(o, v1.RestorePhaseRestoring); busy {
			return step
		}
		return fenceStep()
	}
	j := *o.Job
	if !j.Succeeded && !j.Failed {
		return restoreStep{Phase: v1.RestorePhaseRestoring}
	}
	var rep restoreReport
	readable := json.Unmarshal([]byte(j.Message), &rep) == nil
	reached := reachedPoint(o.RestorePoint, rep.Reached)
	if j.Succeeded && readable && rep.Failure == "" && (o.RestorePoint == "" || reached != nil) {
		return restoreStep{Phase: v1.RestorePhaseReforming, Reason: v1.RestoreReasonReforming, Reform: true,
			Reached: reached, Wait: true, Message: fmt.Sprintf("restored %d rows in %.1f s into the first member",
				rep.Rows, rep.RestoreSeconds) + replayed(reached) + "; rebooting the group from it"}
	}
	return restoreStep{Phase: v1.RestorePhaseFailed, Reason: v1.RestoreReasonJobFailed, Reached: reached,
		Message: "restore failed: " + jobError(j, rep, readable) + "; writes stay stopped: delete the " +
			"MySQLRestore to lift the fence (the group reboots from its most advanced member)"}
}

// jobError is the restore Job's error as its report gives it.
func jobError(j jobState, rep restoreReport, readable bool) string {
	switch {
	case readable && rep.Failure == backup.FailureCorrupt:
		return fmt.Sprintf("object %s is corrupt: %s", orUnknown(rep.Object), rep.Error)
	case readable && rep.Error != "":
		return rep.Error
	case j.Message == "":
		return "the restore Job failed without a report"
	}
	return j.Message
}

// planReform completes the restore once every member turned ONLINE after the restored member was handed over:
// an ONLINE from before is the old group's (the fence and the Job lie between them, so the same second is not).
func planReform(o restoreObservation) restoreStep {
	if !o.OnlineSince.IsZero() && !o.OnlineSince.Before(o.ReformStartedAt) {
		return restoreStep{Phase: v1.RestorePhaseCompleted, Reason: v1.RestoreReasonRestored, LiftFence: true,
			Message: "the group is ONLINE on the restored data; writes resumed"}
	}
	return restoreStep{Phase: v1.RestorePhaseReforming, Wait: true}
}

package controllers

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"k8s.io/utils/ptr"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/backup"
)

// verifyObservation is what the backup reconciler saw of a succeeded backup's verification, as plain data.
type verifyObservation struct {
	// Enabled is spec.verify.
	Enabled bool
	// Ended is true once status.verified is set: the verification passed or failed.
	Ended bool
	// Reason is the Verified condition's current reason; empty without the condition.
	Reason v1.BackupReason
	// ClusterFound is false when spec.clusterName names no cluster (its image and Secrets are needed).
	ClusterFound bool
	// Job is the backup's own restore-verify Job; nil when it does not exist.
	Job *jobState
	// OtherJobs names the other backups of the cluster whose restore-verify Job is still active.
	OtherJobs []string
}

// verifyStep is what the reconciler does next for a verification. An empty Reason writes nothing.
type verifyStep struct {
	Reason  v1.BackupReason
	Message string
	// CreateJob starts the restore-verify Job; DeleteJob removes it (and its scratch data) once recorded.
	CreateJob, DeleteJob bool
	// Verified is set when the verification ended (true: passed); RestoreSeconds when its restore finished.
	Verified       *bool
	RestoreSeconds *int64
	// Wait asks to look again soon (for the cluster, for the other verification).
	Wait bool
}

// planVerify decides the next step of a succeeded backup's verification: one at a time per cluster, recorded
// once, its Job deleted after the outcome is written.
func planVerify(o verifyObservation) verifyStep {
	switch {
	case !o.Enabled:
		if o.Reason == v1.BackupReasonVerificationDisabled {
			return verifyStep{}
		}
		return verifyStep{Reason: v1.BackupReasonVerificationDisabled, Message: "spec.verify is false"}
	case o.Ended:
		return verifyStep{DeleteJob: o.Job != nil}
	case o.Job != nil:
		return observeVerifyJob(*o.Job)
	case !o.ClusterFound:
		return verifyStep{Reason: v1.BackupReasonClusterNotFound, Wait: true,
			Message: "the cluster does not exist: its MySQL image runs the scratch instance"}
	case len(o.OtherJobs) > 0:
		return verifyStep{Reason: v1.BackupReasonWaitingForVerification, Wait: true,
			Message: "waiting for the verification of " + strings.Join(o.OtherJobs, ", ") + " of the same cluster"}
	}
	return verifyStep{Reason: v1.BackupReasonVerifying, CreateJob: true,
		Message: "restoring the backup into a scratch instance to verify it"}
}

// observeVerifyJob reads the outcome of the restore-verify Job from its termination message (a
// backup.RestoreReport).
func observeVerifyJob(j jobState) verifyStep {
	if !j.Succeeded && !j.Failed {
		return verifyStep{Reason: v1.BackupReasonVerifying,
			Message: "restoring the backup into a scratch instance to verify it"}
	}
	var rep backup.RestoreReport
	if err := json.Unmarshal([]byte(j.Message), &rep); err != nil {
		msg := j.Message
		if msg == "" {
			msg = "the restore-verify Job failed without a report"
		}
		return verifyFailed(v1.BackupReasonVerifyJobFailed, msg, nil)
	}
	seconds := restoreSeconds(rep)
	switch {
	case j.Succeeded && rep.Verified:
		return verifyStep{Reason: v1.BackupReasonVerified, Verified: ptr.To(true), RestoreSeconds: seconds,
			DeleteJob: true, Message: fmt.Sprintf("restored %d rows into a scratch instance in %.1f s; every "+
				"table matches the manifest", rep.Rows, rep.RestoreSeconds)}
	case rep.Failure == backup.FailureCorrupt:
		return verifyFailed(v1.BackupReasonObjectCorrupt, fmt.Sprintf("object %s is corrupt: %s",
			orUnknown(rep.Object), rep.Error), seconds)
	case rep.Failure == backup.FailureMismatch:
		return verifyFailed(v1.BackupReasonVerificationMismatch, rep.Error, seconds)
	case rep.Error != "":
		return verifyFailed(v1.BackupReasonVerifyJobFailed, rep.Error, seconds)
	}
	return verifyFailed(v1.BackupReasonVerifyJobFailed, "the restore-verify Job ended without verifying", seconds)
}

func verifyFailed(reason v1.BackupReason, msg string, seconds *int64) verifyStep {
	return verifyStep{Reason: reason, Message: msg, Verified: ptr.To(false), RestoreSeconds: seconds,
		DeleteJob: true}
}

// restoreSeconds is the report's restore time in whole seconds, rounded up; nil when the restore did not end.
func restoreSeconds(rep backup.RestoreReport) *int64 {
	if rep.RestoreSeconds <= 0 {
		return nil
	}
	return ptr.To(int64(math.Ceil(rep.RestoreSeconds)))
}

func orUnknown(s string) string {
	if s == "" {
		return "(unnamed)"
	}
	return s
}

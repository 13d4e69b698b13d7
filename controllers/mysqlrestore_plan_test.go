package controllers

import (
	"testing"
	"time"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

func readyToRestore() restoreObservation {
	return restoreObservation{Name: "r1", ClusterFound: true, BackupFound: true, BackupPhase: v1.BackupSucceeded}
}

// Nothing is fenced before every check passed; the fence of another restore and any other operation hold it.
func TestPlanRestoreChecksBeforeFencing(t *testing.T) {
	reform := time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		change func(*restoreObservation)
		phase  v1.RestorePhase
		reason v1.RestoreReason
		fence  bool
	}{
		{"ready", func(*restoreObservation) {}, v1.RestorePhaseRestoring, v1.RestoreReasonRestoring, true},
		{"no cluster", func(o *restoreObservation) { o.ClusterFound = false }, v1.RestorePhasePending,
			v1.RestoreReasonClusterNotFound, false},
		{"backup failed", func(o *restoreObservation) { o.BackupPhase = v1.BackupFailed }, v1.RestorePhaseFailed,
			v1.RestoreReasonBackupFailed, false},
		{"backup running", func(o *restoreObservation) { o.BackupPhase = v1.BackupRunning }, v1.RestorePhasePending,
			v1.RestoreReasonWaitingForBackup, false},
		{"fenced by another", func(o *restoreObservation) { o.Fence = "r0" }, v1.RestorePhasePending,
			v1.RestoreReasonOperationInProgress, false},
		{"migration", func(o *restoreObservation) { o.Busy = []string{"MigrationRun m"} }, v1.RestorePhasePending,
			v1.RestoreReasonOperationInProgress, false},
		{"safety first", func(o *restoreObservation) { o.SafetyBackup = true }, v1.RestorePhaseBackingUp,
			v1.RestoreReasonSafetyBackupRunning, false},
		{"safety done", func(o *restoreObservation) {
			o.Phase, o.Safety = v1.RestorePhaseBackingUp, &v1.MySQLBackup{Status: v1.MySQLBackupStatus{
				Phase: v1.BackupSucceeded}}
		}, v1.RestorePhaseRestoring, v1.RestoreReasonRestoring, true},
		{"backup raced the fence", func(o *restoreObservation) {
			o.Phase, o.Fence, o.Busy = v1.RestorePhaseRestoring, "r1", []string{"backup Job b"}
		}, v1.RestorePhaseRestoring, v1.RestoreReasonOperationInProgress, false},
		{"job failed", func(o *restoreObservation) {
			o.Phase, o.Job = v1.RestorePhaseRestoring, &jobState{Failed: true, Message: "boom"}
		}, v1.RestorePhaseFailed, v1.RestoreReasonJobFailed, false},
		{"point not reported", func(o *restoreObservation) {
			o.Phase, o.RestorePoint, o.Job = v1.RestorePhaseRestoring, "latest", &jobState{Succeeded: true, Message: `{}`}
		}, v1.RestorePhaseFailed, v1.RestoreReasonJobFailed, false},
		{"job done", func(o *restoreObservation) {
			o.Phase, o.Job = v1.RestorePhaseRestoring, &jobState{Succeeded: true, Message: `{"rows":3}`}
		}, v1.RestorePhaseReforming, v1.RestoreReasonReforming, false},
		{"online before the reform", func(o *restoreObservation) {
			o.Phase, o.ReformStartedAt, o.OnlineSince = v1.RestorePhaseReforming, reform, reform.Add(-time.Second)
		}, v1.RestorePhaseReforming, "", false},
		{"online after the reform", func(o *restoreObservation) {
			o.Phase, o.ReformStartedAt, o.OnlineSince = v1.RestorePhaseReforming, reform, reform.Add(time.Second)
		}, v1.RestorePhaseCompleted, v1.RestoreReasonRestored, false},
	}
	for _, tc := range cases {
		o := readyToRestore()
		tc.change(&o)
		got := planRestore(o)
		if got.Phase != tc.phase || got.Reason != tc.reason || got.Fence != tc.fence || got.CreateJob != tc.fence {
			t.Errorf("%s: %+v, want %s/%s fence %v", tc.name, got, tc.phase, tc.reason, tc.fence)
		}
	}
}

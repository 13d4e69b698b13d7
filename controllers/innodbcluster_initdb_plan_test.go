package controllers

import (
	"strings"
	"testing"
	"time"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

func TestPlanInitDB(t *testing.T) {
	ready := initDBObservation{Pending: true, BackupName: "b1", BackupFound: true, BackupPhase: v1.BackupSucceeded,
		FirstPodRunning: true}
	with := func(f func(*initDBObservation)) initDBObservation { o := ready; f(&o); return o }
	for _, c := range []struct {
		name   string
		obs    initDBObservation
		phase  v1.InitDBPhase
		reason v1.ConditionReason
		create bool
		delete bool
		msg    string
	}{
		{"start", ready, v1.InitDBRunning, v1.ReasonRestoring, true, false, "first member"},
		{"storage and location: no MySQLBackup to wait for", initDBObservation{Pending: true, FirstPodRunning: true},
			v1.InitDBRunning, v1.ReasonRestoring, true, false, ""},
		{"backup missing", with(func(o *initDBObservation) { o.BackupFound = false }), v1.InitDBPending,
			v1.ReasonRestoreBackupNotFound, false, false, "b1"},
		{"backup running", with(func(o *initDBObservation) { o.BackupPhase = v1.BackupRunning }), v1.InitDBPending,
			v1.ReasonRestorePending, false, false, "b1 to succeed"},
		{"backup failed", with(func(o *initDBObservation) { o.BackupPhase = v1.BackupFailed }), v1.InitDBFailed,
			v1.ReasonRestoreFailed, false, false, "never be restored"},
		{"first pod not running", with(func(o *initDBObservation) { o.FirstPodRunning = false }), v1.InitDBPending,
			v1.ReasonRestorePending, false, false, "first member's pod"},
		{"job runs", with(func(o *initDBObservation) { o.Job = &jobState{} }), v1.InitDBRunning, v1.ReasonRestoring,
			false, false, ""},
		{"job done", with(func(o *initDBObservation) {
			o.Job = &jobState{Succeeded: true, Message: `{"rows":7,"restoreSeconds":0.2}`}
		}), v1.InitDBCompleted, v1.ReasonRestored, false, true, "7 rows"},
		{"job done, report unreadable", with(func(o *initDBObservation) {
			o.Job = &jobState{Succeeded: true, Message: "garbage"}
		}), v1.InitDBFailed, v1.ReasonRestoreFailed, false, false, "garbage"},
		{"corrupt chunk", with(func(o *initDBObservation) {
			o.Job = &jobState{Failed: true, Message: `{"failure":"corrupt","object":"data/t1/p1-1.sql.zst","error":"x"}`}
		}), v1.InitDBFailed, v1.ReasonRestoreFailed, false, false, "data/t1/p1-1.sql.zst"},
		{"job failed without report", with(func(o *initDBObservation) { o.Job = &jobState{Failed: true} }),
			v1.InitDBFailed, v1.ReasonRestoreFailed, false, false, "without a report"},
		{"failed is final", with(func(o *initDBObservation) { o.Phase, o.Job = v1.InitDBFailed, nil }), "", "",
			false, false, ""},
		{"completed: only cleanup", initDBObservation{Phase: v1.InitDBCompleted, Job: &jobState{Succeeded: true}},
			"", "", false, true, ""},
		{"bootstrapped cluster: nothing", initDBObservation{}, "", "", false, false, ""},
		// The e2e hang of 2026-12-01: the group came up while the Job ran; Running stayed forever.
		{"bootstrapped while the restore runs: failed, not Running forever", initDBObservation{
			Phase: v1.InitDBRunning, Job: &jobState{Succeeded: true, Message: `{"rows":7}`}}, v1.InitDBFailed,
			v1.ReasonRestoreFailed, false, false, "bootstrapped before the restore"},
		{"bootstrapped while the restore waits: failed", initDBObservation{Phase: v1.InitDBPending},
			v1.InitDBFailed, v1.ReasonRestoreFailed, false, false, "partial copy"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := planInitDB(c.obs)
			if s.Phase != c.phase || s.Reason != c.reason || s.CreateJob != c.create || s.DeleteJob != c.delete ||
				!strings.Contains(s.Message, c.msg) {
				t.Errorf("planInitDB = %+v", s)
			}
		})
	}
}

// With a restore point the Job's report carries the point the replay reached; status shows it, and a report
// without it is not taken for a completed restore.
func TestPlanInitDBReportsTheReachedRestorePoint(t *testing.T) {
	obs := initDBObservation{Pending: true, FirstPodRunning: true, RestorePoint: "2026-12-01T10:00:03Z",
		Job: &jobState{Succeeded: true, Message: `{"rows":7,"restoreSeconds":0.2,"restorePoint":` +
			`"2026-12-01T10:00:03Z","reached":{"gtid":"0-1-42","time":"2026-12-01T10:00:02Z","gtidSet":"0-1-42",` +
			`"transactions":30,"segments":2}}`}}
	step := planInitDB(obs)
	r := step.Reached
	if step.Phase != v1.InitDBCompleted || r == nil || r.GTID != "0-1-42" || r.GTIDSet != "0-1-42" ||
		r.Transactions != 30 || r.RestorePoint != obs.RestorePoint || r.Time.UTC().Format(time.RFC3339) !=
		"2026-12-01T10:00:02Z" || !strings.Contains(step.Message, "replayed 30 transactions to 0-1-42") {
		t.Fatalf("step %+v, reached %+v", step, r)
	}
	obs.Job = &jobState{Failed: true, Message: `{"rows":7,"failure":"error","error":"the binary log archive ` +
		`cannot reach the restore point: segment 3 is missing"}`}
	if step = planInitDB(obs); step.Phase != v1.InitDBFailed || !strings.Contains(step.Message, "segment 3") {
		t.Fatalf("a refused replay: %+v", step)
	}
	obs.Job = &jobState{Succeeded: true, Message: `{"rows":7,"restoreSeconds":0.2}`}
	if step = planInitDB(obs); step.Phase != v1.InitDBFailed {
		t.Fatalf("a report without the reached point: %+v", step)
	}
}

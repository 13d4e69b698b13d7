package controllers

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

func s3At(bucket string) v1.BackupStorage {
	return v1.BackupStorage{S3: v1.S3Storage{Bucket: bucket, CredentialsSecret: "s3"}}
}

func TestPlanSchedulesProfilesStatusAndValidity(t *testing.T) {
	now := at("2026-12-02T02:00:10Z")
	seen := metav1.NewTime(at("2026-12-02T02:00:00Z"))
	o := scheduleObservation{Now: now, Cluster: "db",
		Profiles: []v1.BackupProfile{{Name: "s3", Storage: s3At("profile-bucket"),
			Options: v1.BackupOptions{Threads: 8}}},
		Schedules: []v1.BackupSchedule{
			{Name: "nightly", Schedule: "0 2 * * *", BackupProfileName: "s3"},
			{Name: "hourly", Schedule: "0 * * * *", Storage: ptr.To(s3At("own")), Enabled: ptr.To(false)},
			{Name: "broken", Schedule: "0 25 * * *", Storage: ptr.To(s3At("own"))},
		},
		Status: []v1.BackupScheduleStatus{{Name: "nightly", NextScheduleTime: &seen}},
	}
	p := planSchedules(o)
	if len(p.Create) != 1 || p.Create[0].Name != "db-nightly-202612020200" ||
		p.Create[0].Storage.S3.Bucket != "profile-bucket" || p.Create[0].Options.Threads != 8 {
		t.Fatalf("created %+v; want the nightly backup with its profile", p.Create)
	}
	if p.Reason != v1.ReasonInvalidSchedule || !contains(p.Message, "broken") {
		t.Errorf("condition %s %q; want InvalidSchedule naming broken", p.Reason, p.Message)
	}
	if len(p.Status) != 3 || p.Status[0].LastBackup != "db-nightly-202612020200" ||
		!p.Status[0].NextScheduleTime.Equal(ptr.To(metav1.NewTime(at("2026-12-03T02:00:00Z")))) ||
		p.Status[1].NextScheduleTime != nil || p.Status[2].NextScheduleTime != nil {
		t.Errorf("status %+v", p.Status)
	}
	if p.RequeueAfter != at("2026-12-03T02:00:00Z").Sub(now) {
		t.Errorf("requeue after %s", p.RequeueAfter)
	}
	o.Schedules = o.Schedules[:2]
	o.Backups = []observedBackup{{Name: "db-nightly-202612020200", Schedule: "nightly",
		Scheduled: at("2026-12-02T02:00:00Z"), Created: now, Phase: v1.BackupRunning}}
	again := planSchedules(o)
	if len(again.Create) != 0 || again.Reason != v1.ReasonSchedulesValid {
		t.Errorf("second pass: created %+v, condition %s; want nothing, SchedulesValid", again.Create, again.Reason)
	}
}

func TestLastBackupsForTheClusterStatus(t *testing.T) {
	done := func(s string) *metav1.Time { return ptr.To(metav1.NewTime(at(s))) }
	backups := []observedBackup{
		{Name: "old", Phase: v1.BackupSucceeded, Status: v1.MySQLBackupStatus{CompletionTime: done("2026-12-01T02:10:00Z"),
			Location: "s3://b/old", GTIDSet: "u:1-5", Verified: ptr.To(true), VerifiedAt: done("2026-12-01T02:20:00Z")}},
		{Name: "new", Phase: v1.BackupSucceeded, Status: v1.MySQLBackupStatus{CompletionTime: done("2026-12-02T02:10:00Z"),
			Location: "s3://b/new", GTIDSet: "u:1-9", Verified: ptr.To(false), VerifiedAt: done("2026-12-02T02:20:00Z")}},
		{Name: "failed", Phase: v1.BackupFailed, Status: v1.MySQLBackupStatus{CompletionTime: done("2026-12-03T02:10:00Z")}},
	}
	c, v := lastCompleteBackup(backups), lastVerifiedBackup(backups)
	if c == nil || c.Name != "new" || c.Location != "s3://b/new" || c.GTIDSet != "u:1-9" {
		t.Errorf("last complete %+v, want new", c)
	}
	if v == nil || v.Name != "old" || !v.Time.Equal(done("2026-12-01T02:20:00Z")) {
		t.Errorf("last verified %+v, want old (new failed its verification)", v)
	}
	if lastCompleteBackup(nil) != nil || lastVerifiedBackup(backups[2:]) != nil {
		t.Error("no backups: want no references")
	}
}

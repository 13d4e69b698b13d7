package controllers

import (
	"context"
	"fmt"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
)

// schedulePass runs one pass of the schedule reconciler at the given time.
func schedulePass(t *testing.T, ns string, now time.Time) ctrl.Result {
	t.Helper()
	r := &BackupScheduleReconciler{Client: k8s, Scheme: k8s.Scheme(), Now: func() time.Time { return now }}
	res, err := r.Reconcile(context.Background(), reconcileRequest(ns))
	if err != nil {
		t.Fatalf("schedule pass at %s: %v", now, err)
	}
	return res
}

func scheduledCluster(ns string, s v1.BackupSchedule) *v1.InnoDBCluster {
	c := newCluster(ns, "db")
	c.Spec.BackupSchedules = []v1.BackupSchedule{s}
	return c
}

// A daily schedule with keepLast 1: the first pass only plans, each due pass creates one backup (one only after
// days down), and once a newer backup completed the older one and its objects are deleted by a delete Job.
func TestScheduleCreatesBackupsAndRetentionDeletesExpired(t *testing.T) {
	ns := newNamespace(t)
	storage := newBackup(ns, "x", "db").Spec.Storage
	createCluster(t, scheduledCluster(ns, v1.BackupSchedule{Name: "nightly", Schedule: "0 2 * * *",
		Storage: &storage, Retention: &v1.BackupRetention{KeepLast: ptr.To[int32](1)}}))
	onlineMembers(t, ns, "PRIMARY", "SECONDARY")
	ctx := context.Background()

	res := schedulePass(t, ns, at("2026-12-01T01:00:00Z"))
	c := get(t, key(ns, "db"), &v1.InnoDBCluster{})
	if res.RequeueAfter != time.Hour || len(c.Status.BackupSchedules) != 1 ||
		!c.Status.BackupSchedules[0].NextScheduleTime.Time.Equal(at("2026-12-01T02:00:00Z")) {
		t.Fatalf("first pass: requeue %s, status %+v", res.RequeueAfter, c.Status.BackupSchedules)
	}
	if cond := meta.FindStatusCondition(c.Status.Conditions, string(v1.ConditionBackupSchedulesValid)); cond == nil ||
		cond.Reason != string(v1.ReasonSchedulesValid) {
		t.Fatalf("condition %+v", cond)
	}
	schedulePass(t, ns, at("2026-12-01T02:00:03Z"))
	first := get(t, key(ns, "db-nightly-202612010200"), &v1.MySQLBackup{})
	if first.Labels[v1.LabelBackupSchedule] != "nightly" || first.Labels[v1.LabelCluster] != "db" ||
		first.Annotations[v1.AnnotationScheduledTime] != "2026-12-01T02:00:00Z" || ownedBy(first, c) != nil {
		t.Fatalf("scheduled backup %+v", first.ObjectMeta)
	}
	backupStatus(t, ns, first.Name, v1.BackupRunning)
	finishJob(t, ns, specs.BackupJobName(first), first.Name, true, `{"location":"s3://backups/db/`+first.Name+
		`","gtidSet":"u:1-3","size":10}`)
	backupStatus(t, ns, first.Name, v1.BackupSucceeded)
	verifyCondition(t, ns, first.Name, v1.BackupReasonVerifying)
	finishJobOf(t, ns, first.Name+"-verify", first.Name, v1.ComponentBackupVerify, true,
		`{"location":"s3://backups/db/`+first.Name+`","rows":5,"restoreSeconds":1,"verified":true}`)
	verifyCondition(t, ns, first.Name, v1.BackupReasonVerified)
	schedulePass(t, ns, at("2026-12-01T02:10:00Z"))
	c = get(t, key(ns, "db"), &v1.InnoDBCluster{})
	if l := c.Status.LastVerifiedBackup; l == nil || l.Name != first.Name || l.Time == nil {
		t.Fatalf("lastVerifiedBackup %+v", l)
	}

	// Down four days: one backup, for the latest time.
	schedulePass(t, ns, at("2026-12-05T09:00:00Z"))
	second := get(t, key(ns, "db-nightly-202612050200"), &v1.MySQLBackup{})
	var list v1.MySQLBackupList
	if err := k8s.List(ctx, &list); err != nil {
		t.Fatal(err)
	}
	if n := countIn(list, ns); n != 2 {
		t.Fatalf("%d backups after the downtime, want 2 (no catch-up storm)", n)
	}
	backupStatus(t, ns, second.Name, v1.BackupRunning)
	schedulePass(t, ns, at("2026-12-05T09:00:10Z"))
	if err := k8s.Get(ctx, key(ns, first.Name), &v1.MySQLBackup{}); err != nil {
		t.Fatalf("first backup deleted while the second still runs: %v", err)
	}
	finishJob(t, ns, specs.BackupJobName(second), second.Name, true, `{"location":"s3://backups/db/`+second.Name+
		`","gtidSet":"u:1-9","size":20}`)
	backupStatus(t, ns, second.Name, v1.BackupSucceeded)

	schedulePass(t, ns, at("2026-12-05T09:01:00Z"))
	del := get(t, key(ns, first.Name+"-delete"), &batchv1.Job{})
	cmd := del.Spec.Template.Spec.Containers[0].Command
	if !containsArg(cmd, "delete-backup") || !containsArg(cmd, "--backup-id="+first.Name) ||
		!containsArg(cmd, "--prefix=db") || del.Labels[v1.LabelComponent] != v1.ComponentBackupDelete {
		t.Fatalf("delete job %v %v", del.Labels, cmd)
	}
	if err := k8s.Get(ctx, key(ns, first.Name), &v1.MySQLBackup{}); err != nil {
		t.Fatalf("expired backup gone before its objects: %v", err)
	}
	finishJobOf(t, ns, del.Name, first.Name, v1.ComponentBackupDelete, true,
		`{"location":"s3://backups/db/x","deletedObjects":3}`)
	eventually(t, wait, func() error {
		if err := k8s.Get(ctx, key(ns, first.Name), &v1.MySQLBackup{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("expired backup still there: %w", err)
		}
		return nil
	})
	schedulePass(t, ns, at("2026-12-05T09:02:00Z"))
	c = get(t, key(ns, "db"), &v1.InnoDBCluster{})
	if l := c.Status.LastCompleteBackup; l == nil || l.Name != second.Name || l.GTIDSet != "u:1-9" ||
		l.Location != "s3://backups/db/"+second.Name {
		t.Fatalf("lastCompleteBackup %+v", l)
	}
	if err := k8s.Get(ctx, key(ns, second.Name), &v1.MySQLBackup{}); err != nil {
		t.Fatalf("the newest complete backup was deleted: %v", err)
	}
}

func countIn(list v1.MySQLBackupList, ns string) int {
	n := 0
	for _, b := range list.Items {
		if b.Namespace == ns {
			n++
		}
	}
	return n
}

// A zone the cron library cannot load turns the condition False with its reason, and no backup is made.
func TestScheduleWithUnknownZoneIsReported(t *testing.T) {
	ns := newNamespace(t)
	storage := newBackup(ns, "x", "db").Spec.Storage
	createCluster(t, scheduledCluster(ns, v1.BackupSchedule{Name: "nightly", Schedule: "@hourly",
		TimeZone: "Mars/Olympus_Mons", Storage: &storage}))
	res := schedulePass(t, ns, at("2026-12-01T01:00:00Z"))
	c := get(t, key(ns, "db"), &v1.InnoDBCluster{})
	cond := meta.FindStatusCondition(c.Status.Conditions, string(v1.ConditionBackupSchedulesValid))
	if cond == nil || cond.Status != "False" || cond.Reason != string(v1.ReasonInvalidTimeZone) ||
		!contains(cond.Message, "Mars/Olympus_Mons") || res.RequeueAfter != 0 {
		t.Fatalf("condition %+v, requeue %s", cond, res.RequeueAfter)
	}
}

// What CEL can check is refused by the API server with a clear message.
func TestScheduleValidationByTheAPIServer(t *testing.T) {
	ns := newNamespace(t)
	storage := newBackup(ns, "x", "db").Spec.Storage
	for _, c := range []struct {
		s    v1.BackupSchedule
		want string
	}{
		{v1.BackupSchedule{Name: "a", Schedule: "every day", Storage: &storage}, "spec.backupSchedules[0].schedule"},
		{v1.BackupSchedule{Name: "a", Schedule: "CRON_TZ=UTC 0 2 * * *", Storage: &storage}, "schedule"},
		{v1.BackupSchedule{Name: "a", Schedule: "@daily"}, "exactly one of backupProfileName and storage"},
		{v1.BackupSchedule{Name: "a", Schedule: "@daily", BackupProfileName: "nope"}, "must name one of"},
		{v1.BackupSchedule{Name: "a", Schedule: "@daily", Storage: &storage, Retention: &v1.BackupRetention{}},
			"retention needs keepLast, maxAge or both"},
		{v1.BackupSchedule{Name: "a", Schedule: "@daily", Storage: &storage, TimeZone: "Europe/Paris "},
			"timeZone"},
	} {
		err := k8s.Create(context.Background(), scheduledCluster(ns, c.s))
		if err == nil || !contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want refused with %q", c.s, err, c.want)
		}
	}
}

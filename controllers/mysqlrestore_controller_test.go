package controllers

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/test/envtestutil"
)

func newRestore(ns, name, backup string, safety bool) *v1.MySQLRestore {
	return &v1.MySQLRestore{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1.MySQLRestoreSpec{ClusterName: "db", BackupName: backup, Confirm: "db",
			SafetyBackup: ptr.To(safety)}}
}

// succeededBackup creates a MySQLBackup of db and marks it Succeeded as its Job would.
func succeededBackup(t *testing.T, ns, name string) {
	t.Helper()
	ctx := context.Background()
	if err := k8s.Create(ctx, newBackup(ns, name, "db")); err != nil {
		t.Fatal(err)
	}
	setBackupPhase(t, ns, name, v1.BackupSucceeded)
}

// setBackupPhase writes a final phase as the backup's Job would, again until the backup reconciler's pass in
// flight (it writes Pending for a cluster without members) no longer overwrites it.
func setBackupPhase(t *testing.T, ns, name string, phase v1.BackupPhase) {
	t.Helper()
	eventually(t, wait, func() error {
		var b v1.MySQLBackup
		if err := k8s.Get(context.Background(), key(ns, name), &b); err != nil {
			return err
		}
		if b.Status.Phase != phase {
			b.Status.Phase = phase
			if err := k8s.Status().Update(context.Background(), &b); err != nil {
				return err
			}
		}
		time.Sleep(300 * time.Millisecond)
		if err := k8s.Get(context.Background(), key(ns, name), &b); err != nil {
			return err
		}
		if b.Status.Phase != phase {
			return fmt.Errorf("backup %s is %s, want %s", name, b.Status.Phase, phase)
		}
		return nil
	})
}

// restoreIn waits until the restore is in phase with reason (any when empty).
func restoreIn(t *testing.T, ns, name string, phase v1.RestorePhase, reason v1.RestoreReason) *v1.MySQLRestore {
	t.Helper()
	var got v1.MySQLRestore
	eventually(t, wait, func() error {
		if err := k8s.Get(context.Background(), key(ns, name), &got); err != nil {
			return err
		}
		cond := meta.FindStatusCondition(got.Status.Conditions, string(v1.RestoreConditionComplete))
		if got.Status.Phase != phase || reason != "" && (cond == nil || cond.Reason != string(reason)) {
			return fmt.Errorf("restore %s is %s (%s), want %s/%s", name, got.Status.Phase, got.Status.Message,
				phase, reason)
		}
		return nil
	})
	return &got
}

// membersOnline writes MembersOnline as the cluster loop would, True since at.
func membersOnline(t *testing.T, ns string, at time.Time) {
	t.Helper()
	eventually(t, wait, func() error {
		var c v1.InnoDBCluster
		if err := k8s.Get(context.Background(), key(ns, "db"), &c); err != nil {
			return err
		}
		meta.RemoveStatusCondition(&c.Status.Conditions, string(v1.ConditionMembersOnline))
		c.Status.Conditions = append(c.Status.Conditions, metav1.Condition{Type: string(v1.ConditionMembersOnline),
			Status: metav1.ConditionTrue, Reason: "AllMembersOnline", LastTransitionTime: metav1.NewTime(at)})
		return k8s.Status().Update(context.Background(), &c)
	})
}

func clusterAnnotations(t *testing.T, ns string) map[string]string {
	t.Helper()
	return get(t, key(ns, "db"), &v1.InnoDBCluster{}).Annotations
}

// The confirmation must repeat the cluster's name and the spec cannot change: both refused by the API server
// with the CRD's own messages.
func TestRestoreNeedsTheConfirmationAndIsImmutable(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	rs := newRestore(ns, "r1", "b1", false)
	rs.Spec.Confirm = "yes"
	err := k8s.Create(ctx, rs)
	if err == nil || !strings.Contains(err.Error(), "spec.confirm must repeat spec.clusterName") {
		t.Fatalf("create with confirm=yes: %v", err)
	}
	rs = newRestore(ns, "r1", "b1", false)
	if err := k8s.Create(ctx, rs); err != nil {
		t.Fatal(err)
	}
	eventually(t, wait, func() error { // the reconciler's finalizer may come first: conflicts are retried
		if err := k8s.Get(ctx, key(ns, "r1"), rs); err != nil {
			return err
		}
		rs.Spec.BackupName = "b2"
		if err := k8s.Update(ctx, rs); err == nil || !strings.Contains(err.Error(), "spec is immutable") {
			return fmt.Errorf("update of the spec: %w", err)
		}
		return nil
	})
}

// The whole path without a safety backup: Pending while the backup runs and while a backup Job of the cluster
// runs; then the fence and the Job (--replace into db-0, fencing db-1 and db-2); the Job's success hands db-0
// to the loop (reform annotation); a MembersOnline from before the reform does not complete it, a fresh one
// does and lifts the fence.
func TestRestoreFencesRestoresAndReforms(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	createCluster(t, newCluster(ns, "db"))
	if err := k8s.Create(ctx, newBackup(ns, "b1", "db")); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Create(ctx, newRestore(ns, "r1", "b1", false)); err != nil {
		t.Fatal(err)
	}
	restoreIn(t, ns, "r1", v1.RestorePhasePending, v1.RestoreReasonWaitingForBackup)
	running := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "other-backup",
		Labels: map[string]string{v1.LabelCluster: "db", v1.LabelComponent: v1.ComponentBackup}},
		Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{Name: "main", Image: "orca:test"}}}}}}
	if err := k8s.Create(ctx, running); err != nil {
		t.Fatal(err)
	}
	setBackupPhase(t, ns, "b1", v1.BackupSucceeded)
	got := restoreIn(t, ns, "r1", v1.RestorePhasePending, v1.RestoreReasonOperationInProgress)
	if !contains(got.Status.Message, "backup Job other-backup") || clusterAnnotations(t, ns)[v1.AnnotationRestoreFence] != "" {
		t.Fatalf("beside a backup Job: %s, fence %v", got.Status.Message, clusterAnnotations(t, ns))
	}
	labels := map[string]string{v1.LabelCluster: "db", v1.LabelComponent: v1.ComponentBackup}
	if err := envtestutil.FinishJob(ctx, k8s, ns, "other-backup", labels, true, "{}"); err != nil {
		t.Fatal(err)
	}
	got = restoreIn(t, ns, "r1", v1.RestorePhaseRestoring, v1.RestoreReasonRestoring)
	if a := clusterAnnotations(t, ns); a[v1.AnnotationRestoreFence] != "r1" || a[v1.AnnotationRestoreReform] != "" ||
		got.Status.FencedAt == nil || got.Status.Location != "s3://backups/db/b1" {
		t.Fatalf("restoring: annotations %v, status %+v", a, got.Status)
	}
	job := get(t, key(ns, "r1-restore"), &batchv1.Job{})
	cmd := job.Spec.Template.Spec.Containers[0].Command
	for _, want := range []string{"--replace", "--host=db-0.db-instances." + ns + ".svc.cluster.local",
		"--fence-host=db-1.db-instances." + ns + ".svc.cluster.local",
		"--fence-host=db-2.db-instances." + ns + ".svc.cluster.local", "--backup-id=b1"} {
		if !containsArg(cmd, want) {
			t.Fatalf("restore command %v lacks %s", cmd, want)
		}
	}
	if err := ownedBy(job, got); err != nil {
		t.Fatal(err)
	}
	membersOnline(t, ns, time.Now().Add(-time.Hour)) // the old group's
	jobLabels := map[string]string{v1.LabelRestore: "r1", v1.LabelComponent: v1.ComponentRestore}
	if err := envtestutil.FinishJob(ctx, k8s, ns, "r1-restore", jobLabels, true,
		`{"rows":7,"restoreSeconds":1.5}`); err != nil {
		t.Fatal(err)
	}
	got = restoreIn(t, ns, "r1", v1.RestorePhaseReforming, v1.RestoreReasonReforming)
	if a := clusterAnnotations(t, ns); a[v1.AnnotationRestoreReform] != "true" || got.Status.ReformStartedAt == nil ||
		!contains(got.Status.Message, "restored 7 rows") {
		t.Fatalf("reforming: annotations %v, status %+v", a, got.Status)
	}
	membersOnline(t, ns, time.Now())
	got = restoreIn(t, ns, "r1", v1.RestorePhaseCompleted, v1.RestoreReasonRestored)
	eventually(t, wait, func() error {
		if a := clusterAnnotations(t, ns); a[v1.AnnotationRestoreFence] != "" || a[v1.AnnotationRestoreReform] != "" {
			return fmt.Errorf("fence not lifted: %v", a)
		}
		return nil
	})
	if got.Status.CompletionTime == nil {
		t.Fatalf("completed without a completion time: %+v", got.Status)
	}
}

// With a safety backup: it is taken first (owned by the restore, in the backup's storage) while nothing is
// fenced; its failure fails the restore without fencing. A second restore of the cluster waits for the first,
// then runs.
func TestRestoreSafetyBackupFailureChangesNothing(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	createCluster(t, newCluster(ns, "db"))
	succeededBackup(t, ns, "b1")
	if err := k8s.Create(ctx, newRestore(ns, "r1", "b1", true)); err != nil {
		t.Fatal(err)
	}
	got := restoreIn(t, ns, "r1", v1.RestorePhaseBackingUp, v1.RestoreReasonSafetyBackupRunning)
	safety := get(t, key(ns, "r1-pre-restore"), &v1.MySQLBackup{})
	if err := ownedBy(safety, got); err != nil || safety.Spec.Storage.S3.Bucket != "backups" ||
		safety.Spec.ClusterName != "db" || got.Status.SafetyBackupName != "r1-pre-restore" {
		t.Fatalf("safety backup %+v (%v), status %+v", safety.Spec, err, got.Status)
	}
	if err := k8s.Create(ctx, newRestore(ns, "r2", "b1", false)); err != nil {
		t.Fatal(err)
	}
	second := restoreIn(t, ns, "r2", v1.RestorePhasePending, v1.RestoreReasonOperationInProgress)
	if !contains(second.Status.Message, "MySQLRestore r1") {
		t.Fatalf("second restore: %s", second.Status.Message)
	}
	setBackupPhase(t, ns, "r1-pre-restore", v1.BackupFailed)
	got = restoreIn(t, ns, "r1", v1.RestorePhaseFailed, v1.RestoreReasonSafetyBackupFailed)
	if a := clusterAnnotations(t, ns); a[v1.AnnotationRestoreFence] == "r1" || got.Status.FencedAt != nil ||
		got.Status.JobName != "" {
		t.Fatalf("a failed safety backup fenced the cluster: %v, %+v", a, got.Status)
	}
	restoreIn(t, ns, "r2", v1.RestorePhaseRestoring, v1.RestoreReasonRestoring) // the queue moves on
	if a := clusterAnnotations(t, ns); a[v1.AnnotationRestoreFence] != "r2" {
		t.Fatalf("the second restore runs without the fence: %v", a)
	}
}

// A failed Job keeps the fence (no member serves a partial copy); deleting the restore lifts it.
func TestRestoreFailedJobKeepsTheFenceUntilDeleted(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	createCluster(t, newCluster(ns, "db"))
	succeededBackup(t, ns, "b1")
	rs := newRestore(ns, "r1", "b1", false)
	rs.Spec.RestorePoint = "latest"
	if err := k8s.Create(ctx, rs); err != nil {
		t.Fatal(err)
	}
	restoreIn(t, ns, "r1", v1.RestorePhaseRestoring, v1.RestoreReasonRestoring)
	jobLabels := map[string]string{v1.LabelRestore: "r1", v1.LabelComponent: v1.ComponentRestore}
	if err := envtestutil.FinishJob(ctx, k8s, ns, "r1-restore", jobLabels, false,
		`{"failure":"corrupt","object":"_pitr/segments/00000007","error":"sha256 differs"}`); err != nil {
		t.Fatal(err)
	}
	got := restoreIn(t, ns, "r1", v1.RestorePhaseFailed, v1.RestoreReasonJobFailed)
	if !contains(got.Status.Message, "_pitr/segments/00000007") || !contains(got.Status.Message, "writes stay stopped") {
		t.Fatalf("failed: %s", got.Status.Message)
	}
	if a := clusterAnnotations(t, ns); a[v1.AnnotationRestoreFence] != "r1" {
		t.Fatalf("the failure lifted the fence: %v", a)
	}
	if err := k8s.Delete(ctx, got); err != nil {
		t.Fatal(err)
	}
	eventually(t, wait, func() error {
		if a := clusterAnnotations(t, ns); a[v1.AnnotationRestoreFence] != "" {
			return fmt.Errorf("fence still there: %v", a)
		}
		return nil
	})
}

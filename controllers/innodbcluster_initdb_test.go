package controllers

import (
	"context"
	"fmt"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/utils/ptr"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/test/envtestutil"
)

// initDBCondition waits until the cluster's status.initDB has the phase and InitDBRestored the reason.
func initDBCondition(t *testing.T, ns, name string, phase v1.InitDBPhase, reason v1.ConditionReason) *v1.InnoDBCluster {
	t.Helper()
	var c v1.InnoDBCluster
	eventually(t, wait, func() error {
		if err := k8s.Get(context.Background(), key(ns, name), &c); err != nil {
			return err
		}
		cond := meta.FindStatusCondition(c.Status.Conditions, string(v1.ConditionInitDBRestored))
		if c.Status.InitDB == nil || c.Status.InitDB.Phase != phase || cond == nil || cond.Reason != string(reason) {
			return fmt.Errorf("initDB %+v, condition %+v; want %s/%s", c.Status.InitDB, cond, phase, reason)
		}
		return nil
	})
	return &c
}

// finishInitDB ends the cluster db's restore Job with the report msg.
func finishInitDB(t *testing.T, ns string, ok bool, msg string) {
	t.Helper()
	labels := map[string]string{v1.LabelCluster: "db", v1.LabelComponent: v1.ComponentInitDB}
	if err := envtestutil.FinishJob(context.Background(), k8s, ns, "db-initdb", labels, ok, msg); err != nil {
		t.Fatal(err)
	}
}

func readyReason(c *v1.InnoDBCluster) string {
	if r := meta.FindStatusCondition(c.Status.Conditions, string(v1.ConditionReady)); r != nil && r.Status != "True" {
		return r.Reason
	}
	return "Ready"
}

// spec.initDB.dump.backupName: the restore waits for the backup to succeed and the first member to run, runs
// `orca restore` into it as a Job owned by the cluster, and only its success lets the group be bootstrapped
// (RestorePending); Ready carries the restore's reason until then.
func TestInitDBRestoresTheBackupIntoTheFirstMember(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	bk := newBackup(ns, "b1", "old")
	if err := k8s.Create(ctx, bk); err != nil {
		t.Fatal(err)
	}
	c := newCluster(ns, "db")
	c.Spec.InitDB = &v1.InitDBSpec{Dump: &v1.InitDBDump{BackupName: "b1"}}
	createCluster(t, c)
	got := initDBCondition(t, ns, "db", v1.InitDBPending, v1.ReasonRestorePending)
	if !contains(got.Status.InitDB.Message, "b1") || !got.RestorePending() ||
		readyReason(got) != string(v1.ReasonRestorePending) {
		t.Fatalf("while the backup runs: %+v, Ready %s", got.Status.InitDB, readyReason(got))
	}
	eventually(t, wait, func() error { // the backup succeeds (its cluster "old" is gone)
		if err := k8s.Get(ctx, key(ns, "b1"), bk); err != nil {
			return err
		}
		bk.Status.Phase = v1.BackupSucceeded
		return k8s.Status().Update(ctx, bk)
	})
	eventually(t, wait, func() error {
		got = initDBCondition(t, ns, "db", v1.InitDBPending, v1.ReasonRestorePending)
		if !contains(got.Status.InitDB.Message, "first member") {
			return fmt.Errorf("want waiting for the first pod: %+v", got.Status.InitDB)
		}
		return nil
	})
	runMemberPod(t, got, 0)
	got = initDBCondition(t, ns, "db", v1.InitDBRunning, v1.ReasonRestoring)
	job := get(t, key(ns, "db-initdb"), &batchv1.Job{})
	if err := ownedBy(job, got); err != nil {
		t.Fatal(err)
	}
	cmd := job.Spec.Template.Spec.Containers[0].Command
	if !containsArg(cmd, "--host=db-0.db-instances."+ns+".svc.cluster.local") || !containsArg(cmd, "--backup-id=b1") ||
		!containsArg(cmd, "--prefix=db") || containsArg(cmd, "--verify") {
		t.Fatalf("restore command %v", cmd)
	}
	if got.Status.InitDB.Location != "s3://backups/db/b1" || got.Status.InitDB.JobName != "db-initdb" {
		t.Fatalf("status.initDB %+v", got.Status.InitDB)
	}
	finishInitDB(t, ns, true, `{"rows":100,"restoreSeconds":41.2}`)
	got = initDBCondition(t, ns, "db", v1.InitDBCompleted, v1.ReasonRestored)
	if got.RestorePending() || ptr.Deref(got.Status.InitDB.RestoreSeconds, 0) != 42 ||
		got.Status.InitDB.CompletionTime == nil {
		t.Fatalf("after the restore: %+v", got.Status.InitDB)
	}
	eventually(t, wait, func() error {
		var j batchv1.Job
		if err := k8s.Get(ctx, key(ns, "db-initdb"), &j); err == nil && j.DeletionTimestamp.IsZero() {
			return fmt.Errorf("restore job still there")
		} else if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		return nil
	})
}

// A restore that fails (a corrupt chunk) is final: the cluster says why, naming the object, and stays
// RestorePending, so the group is never bootstrapped on the partial copy.
func TestInitDBFailedRestoreNeverBootstraps(t *testing.T) {
	ns := newNamespace(t)
	c := newCluster(ns, "db")
	c.Spec.InitDB = &v1.InitDBSpec{Dump: &v1.InitDBDump{Location: "nightly", Storage: &v1.BackupStorage{
		S3: v1.S3Storage{Bucket: "other", Prefix: "x", CredentialsSecret: "s3"}}}}
	createCluster(t, c)
	runMemberPod(t, c, 0)
	got := initDBCondition(t, ns, "db", v1.InitDBRunning, v1.ReasonRestoring)
	job := get(t, key(ns, specs.InitDBJobName(got)), &batchv1.Job{})
	if cmd := job.Spec.Template.Spec.Containers[0].Command; !containsArg(cmd, "--bucket=other") ||
		!containsArg(cmd, "--backup-id=nightly") {
		t.Fatalf("restore command %v", cmd)
	}
	finishInitDB(t, ns, false, `{"failure":"corrupt",`+
		`"object":"data/t00001/p00002-0001.sql.zst","error":"corrupt backup object: sha256 differs"}`)
	got = initDBCondition(t, ns, "db", v1.InitDBFailed, v1.ReasonRestoreFailed)
	if !contains(got.Status.InitDB.Message, "data/t00001/p00002-0001.sql.zst") || !got.RestorePending() ||
		readyReason(got) != string(v1.ReasonRestoreFailed) {
		t.Fatalf("after a failed restore: %+v, Ready %s", got.Status.InitDB, readyReason(got))
	}
}

func TestInitDBIsValidatedAndImmutable(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	both := newCluster(ns, "both")
	both.Spec.InitDB = &v1.InitDBSpec{Dump: &v1.InitDBDump{BackupName: "b1", Location: "b1",
		Storage: &v1.BackupStorage{S3: v1.S3Storage{Bucket: "bkt", CredentialsSecret: "s3"}}}}
	if err := k8s.Create(ctx, both); err == nil || !contains(err.Error(), "either backupName or storage") {
		t.Fatalf("backupName with storage: %v, want refused", err)
	}
	c := createCluster(t, newCluster(ns, "db"))
	eventually(t, wait, func() error {
		var cur v1.InnoDBCluster
		if err := k8s.Get(ctx, key(ns, c.Name), &cur); err != nil {
			return err
		}
		cur.Spec.InitDB = &v1.InitDBSpec{Dump: &v1.InitDBDump{BackupName: "b1"}}
		if err := k8s.Update(ctx, &cur); err == nil || !contains(err.Error(), "initDB is immutable") {
			return fmt.Errorf("initDB added after creation: %w, want refused", err)
		}
		return nil
	})
}

package controllers

import (
	"context"
	"fmt"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/utils/ptr"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
)

// verifyCondition waits until the backup's Verified condition has the reason.
func verifyCondition(t *testing.T, ns, name string, want v1.BackupReason) *v1.MySQLBackup {
	t.Helper()
	var b v1.MySQLBackup
	eventually(t, wait, func() error {
		if err := k8s.Get(context.Background(), key(ns, name), &b); err != nil {
			return err
		}
		c := meta.FindStatusCondition(b.Status.Conditions, string(v1.BackupConditionVerified))
		if c == nil || c.Reason != string(want) {
			return fmt.Errorf("%s: Verified condition %+v, want reason %s", name, c, want)
		}
		return nil
	})
	return &b
}

func succeedBackup(t *testing.T, ns, name string) {
	t.Helper()
	backupStatus(t, ns, name, v1.BackupRunning)
	finishJob(t, ns, name+"-backup", name, true, `{"location":"s3://backups/db/`+name+`","size":10}`)
	backupStatus(t, ns, name, v1.BackupSucceeded)
}

func jobGone(t *testing.T, ns, name string) {
	t.Helper()
	eventually(t, wait, func() error {
		var j batchv1.Job
		err := k8s.Get(context.Background(), key(ns, name), &j)
		if err == nil && j.DeletionTimestamp.IsZero() {
			return fmt.Errorf("job %s still there", name)
		}
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		return nil
	})
}

// A succeeded backup is verified by a restore-verify Job (the cluster's image as a scratch sidecar, orca restore
// --verify), one verification per cluster at a time; the outcome from the Job's report lands in the status and
// the Job is deleted.
func TestBackupIsVerifiedOneAtATime(t *testing.T) {
	ns := newNamespace(t)
	c := newCluster(ns, "db")
	c.Spec.Image = "mysql:8.4.3"
	createCluster(t, c)
	onlineMembers(t, ns, "PRIMARY", "SECONDARY")
	ctx := context.Background()
	if err := k8s.Create(ctx, newBackup(ns, "b1", "db")); err != nil {
		t.Fatal(err)
	}
	succeedBackup(t, ns, "b1")
	b1 := verifyCondition(t, ns, "b1", v1.BackupReasonVerifying)
	if b1.Status.VerifyJobName != "b1-verify" || b1.Status.Verified != nil {
		t.Fatalf("b1 while verifying: %+v", b1.Status)
	}
	job := get(t, key(ns, "b1-verify"), &batchv1.Job{})
	if err := ownedByBackup(job, b1); err != nil {
		t.Fatal(err)
	}
	pod := job.Spec.Template.Spec
	if len(pod.InitContainers) != 1 || pod.InitContainers[0].Image != "mysql:8.4.3" ||
		pod.InitContainers[0].RestartPolicy == nil || *pod.InitContainers[0].RestartPolicy != corev1.ContainerRestartPolicyAlways {
		t.Fatalf("no scratch sidecar of the cluster's image: %+v", pod.InitContainers)
	}
	if cmd := pod.Containers[0].Command; !containsArg(cmd, "--verify") || !containsArg(cmd, "--host=127.0.0.1") ||
		!containsArg(cmd, "--backup-id=b1") {
		t.Fatalf("verify command %v", cmd)
	}

	// b2 backs up while b1 verifies, then waits for b1's verification.
	if err := k8s.Create(ctx, newBackup(ns, "b2", "db")); err != nil {
		t.Fatal(err)
	}
	succeedBackup(t, ns, "b2")
	b2 := verifyCondition(t, ns, "b2", v1.BackupReasonWaitingForVerification)
	if !contains(verifiedMessage(b2), "b1") {
		t.Fatalf("b2 does not say it waits for b1: %+v", b2.Status.Conditions)
	}
	if err := k8s.Get(ctx, key(ns, "b2-verify"), &batchv1.Job{}); !apierrors.IsNotFound(err) {
		t.Fatalf("b2's verification started while b1's runs: %v", err)
	}

	finishJobOf(t, ns, "b1-verify", "b1", v1.ComponentBackupVerify, true,
		`{"location":"s3://backups/db/b1","rows":5000,"restoreSeconds":2.5,"verified":true}`)
	b1 = verifyCondition(t, ns, "b1", v1.BackupReasonVerified)
	if !b1.Status.IsVerified() || b1.Status.VerifiedAt == nil || ptr.Deref(b1.Status.RestoreSeconds, 0) != 3 {
		t.Fatalf("b1 after verification: %+v", b1.Status)
	}
	jobGone(t, ns, "b1-verify")

	// Then b2 is verified: a corrupt chunk fails it, naming the chunk.
	verifyCondition(t, ns, "b2", v1.BackupReasonVerifying)
	finishJobOf(t, ns, "b2-verify", "b2", v1.ComponentBackupVerify, false, `{"location":"s3://backups/db/b2",`+
		`"failure":"corrupt","object":"data/t00002/p00001-0003.sql.zst","error":"corrupt backup object: sha256"}`)
	b2 = verifyCondition(t, ns, "b2", v1.BackupReasonObjectCorrupt)
	if b2.Status.Verified == nil || *b2.Status.Verified || !contains(verifiedMessage(b2),
		"data/t00002/p00001-0003.sql.zst") || b2.Status.Phase != v1.BackupSucceeded {
		t.Fatalf("b2 after a corrupt chunk: %+v", b2.Status)
	}
	jobGone(t, ns, "b2-verify")
}

func TestBackupWithVerifyOffIsNotVerified(t *testing.T) {
	ns := newNamespace(t)
	createCluster(t, newCluster(ns, "db"))
	onlineMembers(t, ns, "PRIMARY")
	b := newBackup(ns, "b1", "db")
	b.Spec.Verify = ptr.To(false)
	if err := k8s.Create(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	succeedBackup(t, ns, "b1")
	got := verifyCondition(t, ns, "b1", v1.BackupReasonVerificationDisabled)
	if got.Status.Verified != nil || got.Status.VerifyJobName != "" {
		t.Fatalf("an unverified backup: %+v", got.Status)
	}
	if err := k8s.Get(context.Background(), key(ns, specs.VerifyJobName(b)), &batchv1.Job{}); !apierrors.IsNotFound(err) {
		t.Fatalf("a verify Job with spec.verify false: %v", err)
	}
}

func verifiedMessage(b *v1.MySQLBackup) string {
	if c := meta.FindStatusCondition(b.Status.Conditions, string(v1.BackupConditionVerified)); c != nil {
		return c.Message
	}
	return ""
}

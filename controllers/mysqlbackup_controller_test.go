package controllers

import (
	"context"
	"fmt"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/test/envtestutil"
)

func newBackup(ns, name, cluster string) *v1.MySQLBackup {
	return &v1.MySQLBackup{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v1.MySQLBackupSpec{ClusterName: cluster, Storage: v1.BackupStorage{S3: v1.S3Storage{
			Bucket: "backups", Prefix: "db", Endpoint: "http://127.0.0.1:7070", PathStyle: true,
			CredentialsSecret: "s3-creds"}}}}
}

// onlineMembers writes a cluster status as the cluster loop would: db-0 primary, db-1 and db-2 secondaries.
func onlineMembers(t *testing.T, ns string, roles ...string) {
	t.Helper()
	eventually(t, wait, func() error {
		var c v1.InnoDBCluster
		if err := k8s.Get(context.Background(), key(ns, "db"), &c); err != nil {
			return err
		}
		c.Status.Members = nil
		for i, r := range roles {
			c.Status.Members = append(c.Status.Members, v1.MemberStatus{Pod: fmt.Sprintf("db-%d", i), Role: r,
				State: "ONLINE", ApplierQueue: ptr.To[int64](int64(i))})
		}
		return k8s.Status().Update(context.Background(), &c)
	})
}

func backupStatus(t *testing.T, ns, name string, want v1.BackupPhase) *v1.MySQLBackup {
	t.Helper()
	var b v1.MySQLBackup
	eventually(t, wait, func() error {
		if err := k8s.Get(context.Background(), key(ns, name), &b); err != nil {
			return err
		}
		if b.Status.Phase != want {
			return fmt.Errorf("phase %q (%s), want %s", b.Status.Phase, b.Status.Message, want)
		}
		return nil
	})
	return &b
}

// finishJob marks a Job's pod terminated with msg and the Job complete or failed, as the kubelet and the Job
// controller would.
func finishJob(t *testing.T, ns, job, backupName string, ok bool, msg string) {
	t.Helper()
	finishJobOf(t, ns, job, backupName, v1.ComponentBackup, ok, msg)
}

// finishJobOf is finishJob for a Job of the given component (backup, backup-verify, backup-delete).
func finishJobOf(t *testing.T, ns, job, backupName, component string, ok bool, msg string) {
	t.Helper()
	labels := map[string]string{v1.LabelBackup: backupName, v1.LabelComponent: component}
	if err := envtestutil.FinishJob(context.Background(), k8s, ns, job, labels, ok, msg); err != nil {
		t.Fatal(err)
	}
}

func TestBackupRunsOnASecondaryOneAtATime(t *testing.T) {
	ns := newNamespace(t)
	createCluster(t, newCluster(ns, "db"))
	onlineMembers(t, ns, "PRIMARY", "SECONDARY", "SECONDARY")
	ctx := context.Background()
	if err := k8s.Create(ctx, newBackup(ns, "b1", "db")); err != nil {
		t.Fatal(err)
	}
	b1 := backupStatus(t, ns, "b1", v1.BackupRunning)
	if b1.Status.Source != "db-1" || b1.Status.SourceRole != "SECONDARY" || b1.Status.Location != "s3://backups/db/b1" {
		t.Fatalf("b1 status: %+v", b1.Status)
	}
	job := get(t, key(ns, specs.BackupJobName(b1)), &batchv1.Job{})
	if err := ownedByBackup(job, b1); err != nil {
		t.Fatal(err)
	}
	cmd := job.Spec.Template.Spec.Containers[0].Command
	if !containsArg(cmd, "--host=db-1.db-instances."+ns+".svc.cluster.local") || !containsArg(cmd, "--path-style") ||
		!containsArg(cmd, "--backup-id=b1") {
		t.Fatalf("job command: %v", cmd)
	}
	// A second backup of the same cluster waits for the first.
	if err := k8s.Create(ctx, newBackup(ns, "b2", "db")); err != nil {
		t.Fatal(err)
	}
	b2 := backupStatus(t, ns, "b2", v1.BackupPending)
	if !contains(b2.Status.Message, "b1") {
		t.Fatalf("b2 does not say it waits for b1: %q", b2.Status.Message)
	}
	finishJob(t, ns, job.Name, "b1", true, `{"location":"s3://backups/db/b1","gtidSet":"uuid:1-42","size":1234}`)
	b1 = backupStatus(t, ns, "b1", v1.BackupSucceeded)
	if b1.Status.SizeBytes != 1234 || b1.Status.GTIDSet != "uuid:1-42" || b1.Status.CompletionTime == nil {
		t.Fatalf("b1 after success: %+v", b1.Status)
	}
	// Then b2 runs, and its failure is reported with the Job's message.
	b2 = backupStatus(t, ns, "b2", v1.BackupRunning)
	finishJob(t, ns, specs.BackupJobName(b2), "b2", false, "dump: scan app.t: connection refused")
	b2 = backupStatus(t, ns, "b2", v1.BackupFailed)
	if !contains(b2.Status.Message, "connection refused") {
		t.Fatalf("b2 failure message: %q", b2.Status.Message)
	}
}

func TestBackupFallsBackToThePrimaryAndStopsItsJobOnDelete(t *testing.T) {
	ns := newNamespace(t)
	createCluster(t, newCluster(ns, "db"))
	ctx := context.Background()
	if err := k8s.Create(ctx, newBackup(ns, "b1", "db")); err != nil {
		t.Fatal(err)
	}
	b := backupStatus(t, ns, "b1", v1.BackupPending)
	if b.Status.Conditions[0].Reason != string(v1.BackupReasonNoOnlineMember) {
		t.Fatalf("pending reason: %+v", b.Status.Conditions)
	}
	onlineMembers(t, ns, "PRIMARY")
	b = backupStatus(t, ns, "b1", v1.BackupRunning)
	if b.Status.SourceRole != "PRIMARY" || !contains(b.Status.Message, "no secondary is ONLINE") {
		t.Fatalf("primary fallback not said: %+v", b.Status)
	}
	if err := k8s.Delete(ctx, b); err != nil {
		t.Fatal(err)
	}
	eventually(t, wait, func() error {
		err := k8s.Get(ctx, key(ns, "b1"), &v1.MySQLBackup{})
		if !apierrors.IsNotFound(err) {
			return fmt.Errorf("backup still there: %w", err)
		}
		var j batchv1.Job
		if err := k8s.Get(ctx, key(ns, specs.BackupJobName(b)), &j); err == nil && j.DeletionTimestamp.IsZero() {
			return fmt.Errorf("job %s not deleted", j.Name)
		}
		return nil
	})
}

func TestBackupSpecIsImmutable(t *testing.T) {
	ns := newNamespace(t)
	b := newBackup(ns, "b1", "db")
	ctx := context.Background()
	if err := k8s.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	eventually(t, wait, func() error { // a conflict with the finalizer's update is retried
		var cur v1.MySQLBackup
		if err := k8s.Get(ctx, key(ns, "b1"), &cur); err != nil {
			return err
		}
		cur.Spec.ClusterName = "other"
		if err := k8s.Update(ctx, &cur); err == nil || !contains(err.Error(), "immutable") {
			return fmt.Errorf("spec change: %w, want refused as immutable", err)
		}
		return nil
	})
}

func ownedByBackup(obj client.Object, b *v1.MySQLBackup) error {
	for _, ref := range obj.GetOwnerReferences() {
		if ref.UID == b.UID && ref.Controller != nil && *ref.Controller {
			return nil
		}
	}
	return fmt.Errorf("%s is not controlled by backup %s", obj.GetName(), b.Name)
}

func containsArg(args []string, want string) bool {
	for _, a := range args {
		if a == want {
			return true
		}
	}
	return false
}

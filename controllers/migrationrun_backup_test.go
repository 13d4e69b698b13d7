package controllers

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/migrate"
)

// clusterWithProfile is an ONLINE cluster whose spec.backupProfiles has one S3 profile, "daily".
func clusterWithProfile(t *testing.T, ns string) {
	t.Helper()
	c := newCluster(ns, "db")
	c.Spec.BackupProfiles = []v1.BackupProfile{{Name: "daily", Storage: newBackup(ns, "x", "db").Spec.Storage,
		Options: v1.BackupOptions{Threads: 2}}}
	setClusterOnline(t, createCluster(t, c))
	onlineMembers(t, ns, "PRIMARY", "SECONDARY", "SECONDARY")
}

// TestMigrationRunTakesAPreMigrationBackup: with preMigrationBackup the run is BackingUp while the backup
// controller runs a MySQLBackup owned by the run (the profile's storage and options), and its Pod starts only
// once the backup succeeded, the backup's GTID set in the run; a second run whose backup fails ends Failed
// (BackupFailed) without a Pod.
func TestMigrationRunTakesAPreMigrationBackup(t *testing.T) {
	ns := newNamespace(t)
	clusterWithProfile(t, ns)
	create(t, migrationHook(ns, "app", func(s *v1.MigrationHookSpec) { s.PreMigrationBackup = true }))
	run := newRun(t, ns, "app", "b-1", 1)
	got := runIn(t, run, v1.MigrationBackingUp, "")
	waitEvent(t, ns, "MigrationBackingUp")
	b := get(t, key(ns, got.Status.BackupName), &v1.MySQLBackup{})
	if b.Name != "app-b-1-pre" || !metav1.IsControlledBy(b, got) || b.Spec.Storage.S3.Bucket != "backups" ||
		b.Spec.Options.Threads != 2 || b.Labels[v1.LabelMigrationRun] != run.Name {
		t.Fatalf("pre-migration backup: %+v", b)
	}
	backupStatus(t, ns, b.Name, v1.BackupRunning)
	if err := k8s.Get(context.Background(), key(ns, specs.MigrationPodName(run)), &corev1.Pod{}); err == nil {
		t.Fatal("the migration Pod was created before its backup completed")
	} else if !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	finishJob(t, ns, specs.BackupJobName(b), b.Name, true, `{"location":"s3://backups/db/app-b-1-pre",`+
		`"gtidSet":"uuid:1-42","size":99}`)
	got = runIn(t, run, v1.MigrationRunning, "")
	if got.Status.BackupGTID != "uuid:1-42" || got.Status.PodName == "" {
		t.Fatalf("running after the backup: %+v", got.Status)
	}
	endPod(t, ns, got.Status.PodName, corev1.PodSucceeded, migrate.Report{Flavor: migrate.FlavorMariaDB})
	runIn(t, run, v1.MigrationSucceeded, "")

	second := newRun(t, ns, "app", "b-2", 2)
	got = runIn(t, second, v1.MigrationBackingUp, "")
	b2 := backupStatus(t, ns, got.Status.BackupName, v1.BackupRunning)
	finishJob(t, ns, specs.BackupJobName(b2), b2.Name, false, "dump: scan shop.orders: connection refused")
	failed := runIn(t, second, v1.MigrationFailed, v1.ReasonBackupFailed)
	if !contains(failed.Status.Message, "connection refused") || failed.Status.PodName != "" ||
		failed.Status.CompletionTime == nil {
		t.Fatalf("run after its backup failed: %+v", failed.Status)
	}
	waitEvent(t, ns, "MigrationFailed")
}

// TestMigrationRunWithoutABackupProfileIsBlocked: preMigrationBackup on a cluster with no backup profile blocks
// the run (BackupUnavailable) and creates nothing; a backup of the cluster in progress blocks a run without
// one (BackupInProgress) until it ends.
func TestMigrationRunWithoutABackupProfileIsBlocked(t *testing.T) {
	ns := newNamespace(t)
	setClusterOnline(t, createCluster(t, newCluster(ns, "db")))
	onlineMembers(t, ns, "PRIMARY", "SECONDARY", "SECONDARY")
	create(t, migrationHook(ns, "gated", func(s *v1.MigrationHookSpec) { s.PreMigrationBackup = true }))
	run := newRun(t, ns, "gated", "n-1", 1)
	got := runIn(t, run, v1.MigrationBlocked, v1.ReasonBackupUnavailable)
	if got.Status.BackupName != "" || !contains(got.Status.Message, "backupProfiles") {
		t.Fatalf("blocked run: %+v", got.Status)
	}

	ns2 := newNamespace(t)
	setClusterOnline(t, createCluster(t, newCluster(ns2, "db")))
	onlineMembers(t, ns2, "PRIMARY", "SECONDARY", "SECONDARY")
	create(t, migrationHook(ns2, "app", nil), newBackup(ns2, "nightly", "db"))
	b := backupStatus(t, ns2, "nightly", v1.BackupRunning)
	plain := newRun(t, ns2, "app", "p-1", 1)
	got = runIn(t, plain, v1.MigrationBlocked, v1.ReasonBackupInProgress)
	if !contains(got.Status.Message, "nightly") {
		t.Fatalf("blocked behind the backup: %+v", got.Status)
	}
	finishJob(t, ns2, specs.BackupJobName(b), b.Name, true, `{"gtidSet":"uuid:1-5"}`)
	runIn(t, plain, v1.MigrationRunning, "")
}

// TestMigrationRunRefusedByThePrechecksIsBlocked: when the runner's prechecks refuse the commit (a write to a
// table without a primary key), the run ends Blocked with the reason, not Failed, with a MigrationBlocked
// event; it is over, so the next run of the cluster starts.
func TestMigrationRunRefusedByThePrechecksIsBlocked(t *testing.T) {
	ns := newNamespace(t)
	setClusterOnline(t, createCluster(t, newCluster(ns, "db")))
	create(t, migrationHook(ns, "app", nil))
	run := newRun(t, ns, "app", "k-1", 1)
	got := runIn(t, run, v1.MigrationRunning, "")
	next := newRun(t, ns, "app", "k-2", 2)
	runIn(t, next, v1.MigrationPending, v1.ReasonRunInProgress)
	endPod(t, ns, got.Status.PodName, corev1.PodFailed, migrate.Report{Reason: v1.ReasonMissingPrimaryKey,
		Error: "V2__load.sql statement 0: writes rows of legacy, which has no primary key on the server: " +
			"a table the migration writes has no primary key",
		Lint: []migrate.Finding{{File: "V2__load.sql", Index: 0, Rule: migrate.RuleMissingPrimaryKey,
			Severity: migrate.SeverityError, Message: "writes rows of legacy"}}})
	blocked := runIn(t, run, v1.MigrationBlocked, v1.ReasonMissingPrimaryKey)
	if blocked.Status.CompletionTime == nil || !contains(blocked.Status.Message, "legacy") ||
		!contains(blocked.Status.Message, "before any statement") || len(blocked.Status.Lint) != 1 {
		t.Fatalf("blocked run: %+v", blocked.Status)
	}
	waitEvent(t, ns, "MigrationBlocked")
	runIn(t, next, v1.MigrationRunning, "")
}

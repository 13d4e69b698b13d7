package controllers

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// backupEnded reports whether a backup succeeded or failed.
func backupEnded(b *v1.MySQLBackup) bool {
	return b.Status.Phase == v1.BackupSucceeded || b.Status.Phase == v1.BackupFailed
}

// backupInFlight follows the run's pre-migration backup once it was created: BackingUp while it is taken,
// Failed when it failed or disappeared. A backup that succeeded lets the prechecks run again (false).
func backupInFlight(o runObservation) (runStep, bool) {
	name := o.Run.Status.BackupName
	switch {
	case name == "":
		return runStep{}, false
	case o.Backup == nil:
		return runStep{Phase: v1.MigrationFailed, Reason: v1.ReasonBackupFailed,
			Message: "the pre-migration MySQLBackup " + name + " disappeared before it completed; nothing ran"}, true
	case o.Backup.Status.Phase == v1.BackupFailed:
		return runStep{Phase: v1.MigrationFailed, Reason: v1.ReasonBackupFailed,
			Message: "the pre-migration MySQLBackup " + name + " failed, so nothing was run: " +
				o.Backup.Status.Message}, true
	case o.Backup.Status.Phase != v1.BackupSucceeded:
		msg := "waits for the pre-migration MySQLBackup " + name
		if o.Backup.Status.Message != "" {
			msg += ": " + o.Backup.Status.Message
		}
		return runStep{Phase: v1.MigrationBackingUp, Message: msg}, true
	}
	return runStep{}, false
}

// backupsStep blocks a run while another backup of the cluster (not the run's own) is pending or running.
func backupsStep(o runObservation) (runStep, bool) {
	for i := range o.Backups {
		b := &o.Backups[i]
		if b.Name != o.Run.Status.BackupName && !backupEnded(b) && b.DeletionTimestamp.IsZero() {
			return runStep{Phase: v1.MigrationBlocked, Reason: v1.ReasonBackupInProgress,
				Message: "MySQLBackup " + b.Name + " of the cluster is in progress"}, true
		}
	}
	return runStep{}, false
}

// preBackupStep is the last step before the Pod when the hook asks for a backup: create it (Blocked when the
// cluster has no profile for it), or start the Pod once it succeeded, recording its GTID set.
func preBackupStep(o runObservation) runStep {
	if o.Backup != nil && o.Backup.Status.Phase == v1.BackupSucceeded {
		return runStep{Phase: v1.MigrationRunning, CreatePod: true, BackupGTID: o.Backup.Status.GTIDSet}
	}
	profile, msg := backupProfile(o.Hook, o.Cluster)
	if profile == nil {
		return runStep{Phase: v1.MigrationBlocked, Reason: v1.ReasonBackupUnavailable, Message: msg}
	}
	name := v1.MigrationRunBackupName(o.Run.Name)
	return runStep{Phase: v1.MigrationBackingUp, CreateBackup: true, Profile: profile, BackupName: name,
		Message: "taking the pre-migration MySQLBackup " + name + " (backup profile " + profile.Name + ")"}
}

// backupProfile is the cluster's profile the hook's pre-migration backup uses, or nil and why there is none.
func backupProfile(hook *v1.MigrationHook, c *v1.InnoDBCluster) (*v1.BackupProfile, string) {
	want := hook.Spec.PreMigrationBackupProfile
	for i := range c.Spec.BackupProfiles {
		if p := &c.Spec.BackupProfiles[i]; want == "" || p.Name == want {
			return p, ""
		}
	}
	if want == "" {
		return nil, "preMigrationBackup is set and InnoDBCluster " + c.Name + " has no spec.backupProfiles to " +
			"take the backup with"
	}
	return nil, "preMigrationBackupProfile " + want + " is not one of InnoDBCluster " + c.Name +
		"'s spec.backupProfiles"
}

// createBackup creates the run's pre-migration backup, owned by the run and labelled with it; one that exists
// already (an earlier pass made it) is left alone.
func (r *MigrationRunReconciler) createBackup(ctx context.Context, run *v1.MigrationRun, step runStep) error {
	b := &v1.MySQLBackup{
		ObjectMeta: metav1.ObjectMeta{Namespace: run.Namespace, Name: step.BackupName,
			Labels: map[string]string{v1.LabelCluster: run.Spec.ClusterName, v1.LabelMigrationRun: run.Name,
				v1.LabelManagedBy: v1.ManagedByOrca}},
		Spec: v1.MySQLBackupSpec{ClusterName: run.Spec.ClusterName, Storage: step.Profile.Storage,
			Options: step.Profile.Options},
	}
	if err := controllerutil.SetControllerReference(run, b, r.Scheme); err != nil {
		return fmt.Errorf("own pre-migration backup %s: %w", b.Name, err)
	}
	if err := r.Client.Create(ctx, b); client.IgnoreAlreadyExists(err) != nil {
		return fmt.Errorf("create pre-migration backup %s: %w", b.Name, err)
	}
	return nil
}

// observeBackups reads the cluster's backups into obs; the run's own backup, not in the cache yet a moment
// after it was created, is listed from the API server rather than taken for one that disappeared.
func (r *MigrationRunReconciler) observeBackups(ctx context.Context, run *v1.MigrationRun, obs *runObservation) error {
	var list v1.MySQLBackupList
	if err := r.Client.List(ctx, &list, client.InNamespace(run.Namespace)); err != nil {
		return fmt.Errorf("list backups of cluster %s: %w", run.Spec.ClusterName, err)
	}
	for i := range list.Items {
		b := &list.Items[i]
		switch {
		case b.Spec.ClusterName != run.Spec.ClusterName:
		case b.Name == run.Status.BackupName && metav1.IsControlledBy(b, run):
			obs.Backup = b
		default:
			obs.Backups = append(obs.Backups, *b)
		}
	}
	if obs.Backup != nil || run.Status.BackupName == "" {
		return nil
	}
	if err := r.APIReader.List(ctx, &list, client.InNamespace(run.Namespace),
		client.MatchingLabels{v1.LabelMigrationRun: run.Name}); err != nil {
		return fmt.Errorf("list the pre-migration backup: %w", err)
	}
	for i := range list.Items {
		if b := &list.Items[i]; b.Name == run.Status.BackupName && metav1.IsControlledBy(b, run) {
			obs.Backup = b
		}
	}
	return nil
}

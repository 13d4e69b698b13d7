package controllers

import (
	"context"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/events"
	"github.com/orca-operator/orca/internal/specs"
)

// deleteRetry is how soon a failed deletion of a backup's objects is tried again.
const deleteRetry = time.Minute

// objectsStep is what a backup's deletion does about its objects next.
type objectsStep int

const (
	objectsKeep    objectsStep = iota // not marked, or nothing was written: the objects stay, the backup goes
	objectsStart                      // create the delete Job
	objectsWait                       // the delete Job runs
	objectsDeleted                    // the delete Job succeeded: the backup goes
	objectsRetry                      // the delete Job failed: remove it and try again later
)

// planObjects decides, for a backup being deleted, what happens to its objects in S3: they are deleted only when
// the backup is marked mysql.orca.dev/delete-objects=true (retention marks the ones it expires) and a Job may have
// written some (the backup ended: a running one's Job is stopped by the finalizer and leaves an incomplete
// location, never restored).
func planObjects(b *v1.MySQLBackup, job *jobState) objectsStep {
	ended := b.Status.Phase == v1.BackupSucceeded || b.Status.Phase == v1.BackupFailed
	switch {
	case b.Annotations[v1.AnnotationDeleteObjects] != "true" || !ended:
		return objectsKeep
	case job == nil:
		return objectsStart
	case job.Succeeded:
		return objectsDeleted
	case job.Failed:
		return objectsRetry
	}
	return objectsWait
}

// finalize deletes a backup's objects when it is marked for it, then lets the backup go.
func (r *MySQLBackupReconciler) finalize(ctx context.Context, b *v1.MySQLBackup) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(b, v1.BackupFinalizer) {
		return ctrl.Result{}, nil
	}
	job, err := r.objectsDeleteJob(ctx, b)
	if err != nil {
		return ctrl.Result{}, err
	}
	switch planObjects(b, job) {
	case objectsStart:
		return ctrl.Result{}, r.startDelete(ctx, b)
	case objectsWait:
		return ctrl.Result{}, nil // the Job's change wakes the backup
	case objectsRetry:
		emit(r.Recorder, b, events.BackupDeleteFailed, "deleting the objects at %s failed, again in %s: %s",
			b.Status.Location, deleteRetry, job.Message)
		err := deleteJob(ctx, r.Client, b.Namespace, specs.BackupDeleteJobName(b))
		return ctrl.Result{RequeueAfter: deleteRetry}, err
	case objectsDeleted:
		emit(r.Recorder, b, events.BackupObjectsDeleted, "objects at %s deleted: %s", b.Status.Location, job.Message)
	}
	return ctrl.Result{}, r.finalizeBackup(ctx, b)
}

// objectsDeleteJob is the state of the backup's delete Job; nil when there is none.
func (r *MySQLBackupReconciler) objectsDeleteJob(ctx context.Context, b *v1.MySQLBackup) (*jobState, error) {
	var j batchv1.Job
	err := r.Get(ctx, client.ObjectKey{Namespace: b.Namespace, Name: specs.BackupDeleteJobName(b)}, &j)
	if apierrors.IsNotFound(err) || err == nil && !j.DeletionTimestamp.IsZero() {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get delete job: %w", err)
	}
	st, err := readJobState(ctx, r.Client, &j)
	return &st, err
}

func (r *MySQLBackupReconciler) startDelete(ctx context.Context, b *v1.MySQLBackup) error {
	var c v1.InnoDBCluster
	cluster := &c
	err := r.Get(ctx, client.ObjectKey{Namespace: b.Namespace, Name: b.Spec.ClusterName}, cluster)
	if apierrors.IsNotFound(err) {
		cluster = nil
	} else if err != nil {
		return fmt.Errorf("get cluster: %w", err)
	}
	job := specs.BackupDeleteJob(b, cluster, specs.BackupJobOptions{OrcaImage: r.OrcaImage})
	if err := controllerutil.SetControllerReference(b, job, r.Scheme); err != nil {
		return fmt.Errorf("own delete job: %w", err)
	}
	if err := r.Create(ctx, job); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create delete job: %w", err)
	}
	return nil
}

package controllers

import (
	"context"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/clusterstatus"
	"github.com/orca-operator/orca/internal/events"
	"github.com/orca-operator/orca/internal/opmetrics"
	"github.com/orca-operator/orca/internal/specs"
)

// MySQLBackupReconciler runs each MySQLBackup as a Job of `orca backup` against an ONLINE member of its cluster,
// one backup of a cluster at a time, and reports the Job's outcome. It runs no SQL: the Job does.
type MySQLBackupReconciler struct {
	client.Client
	// APIReader lists the backup Jobs uncached, so two backups of one cluster never both see none running.
	APIReader client.Reader
	Scheme    *runtime.Scheme
	Recorder  recorder.EventRecorder
	// OrcaImage runs `orca backup`.
	OrcaImage string
	// ClusterZone is the cluster's DNS zone; cluster.local when empty.
	ClusterZone string
}

// RBAC, least privilege (test/rbac exercises every verb): the backup's finalizer and status, its Job (created,
// deleted when the backup is deleted while it runs), the Job's pod for its termination message.
// +kubebuilder:rbac:groups=mysql.orca.dev,resources=mysqlbackups,verbs=list;watch;update
// +kubebuilder:rbac:groups=mysql.orca.dev,resources=mysqlbackups/status,verbs=update
// +kubebuilder:rbac:groups=mysql.orca.dev,resources=mysqlbackups/finalizers,verbs=update
// The restore-verify Job is created, and deleted once its outcome is recorded.
// +kubebuilder:rbac:groups=batch,resources=jobs,verbs=list;watch;create;delete

// pendingRetry is how soon a waiting backup looks again (its cluster, an ONLINE member, the other backup).
const pendingRetry = 5 * time.Second

// Reconcile moves one backup forward by one step.
func (r *MySQLBackupReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	logger := log.FromContext(ctx).WithValues("backup", req.NamespacedName)
	ctx = log.IntoContext(ctx, logger)
	var b v1.MySQLBackup
	if err := r.Get(ctx, req.NamespacedName, &b); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !b.DeletionTimestamp.IsZero() {
		return r.finalize(ctx, &b)
	}
	if controllerutil.AddFinalizer(&b, v1.BackupFinalizer) {
		if err := r.Update(ctx, &b); err != nil {
			return ctrl.Result{}, fmt.Errorf("add finalizer: %w", err)
		}
	}
	obs, cluster, err := r.observe(ctx, &b)
	if err != nil {
		return ctrl.Result{}, err
	}
	step := planBackup(obs)
	if step.CreateJob {
		if err := r.createJob(ctx, &b, cluster, step.Source); err != nil {
			return ctrl.Result{}, err
		}
	}
	if err := r.writeStatus(ctx, &b, step); err != nil {
		return ctrl.Result{}, err
	}
	wait := step.Phase == v1.BackupPending
	if step.Phase == v1.BackupSucceeded {
		if wait, err = r.reconcileVerify(ctx, &b); err != nil {
			return ctrl.Result{}, err
		}
	}
	if wait {
		return ctrl.Result{RequeueAfter: pendingRetry}, nil
	}
	return ctrl.Result{}, nil
}

func (r *MySQLBackupReconciler) observe(ctx context.Context, b *v1.MySQLBackup) (backupObservation,
	*v1.InnoDBCluster, error) {
	obs := backupObservation{Phase: b.Status.Phase}
	if obs.Phase == v1.BackupSucceeded || obs.Phase == v1.BackupFailed {
		return obs, nil, nil
	}
	cluster, found, err := r.getCluster(ctx, b)
	if err != nil {
		return obs, nil, err
	}
	obs.ClusterFound, obs.Members = found, cluster.Status.Members
	obs.Fence = cluster.Annotations[v1.AnnotationRestoreFence]
	obs.Job, obs.OtherJobs, err = r.clusterJobs(ctx, b, v1.ComponentBackup, specs.BackupJobName(b))
	return obs, cluster, err
}

// getCluster reads the backup's cluster; found is false when it does not exist (the cluster is then empty).
func (r *MySQLBackupReconciler) getCluster(ctx context.Context, b *v1.MySQLBackup) (*v1.InnoDBCluster, bool,
	error) {
	var cluster v1.InnoDBCluster
	err := r.Get(ctx, client.ObjectKey{Namespace: b.Namespace, Name: b.Spec.ClusterName}, &cluster)
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, false, fmt.Errorf("get cluster: %w", err)
	}
	return &cluster, err == nil, nil
}

// clusterJobs lists the cluster's Jobs of one component uncached (so two never both see none running): the
// state of the Job named own, and the backups whose Job is still active.
func (r *MySQLBackupReconciler) clusterJobs(ctx context.Context, b *v1.MySQLBackup, component, own string) (
	*jobState, []string, error) {
	var jobs batchv1.JobList
	if err := r.APIReader.List(ctx, &jobs, client.InNamespace(b.Namespace), client.MatchingLabels{
		v1.LabelCluster: b.Spec.ClusterName, v1.LabelComponent: component}); err != nil {
		return nil, nil, fmt.Errorf("list %s jobs: %w", component, err)
	}
	var mine *jobState
	var others []string
	for i := range jobs.Items {
		j := &jobs.Items[i]
		switch {
		case j.Name == own:
			st, err := readJobState(ctx, r.Client, j)
			if err != nil {
				return nil, nil, err
			}
			mine = &st
		case !jobFinished(j):
			others = append(others, j.Labels[v1.LabelBackup])
		}
	}
	return mine, others, nil
}

func (r *MySQLBackupReconciler) createJob(ctx context.Context, b *v1.MySQLBackup, c *v1.InnoDBCluster,
	source string) error {
	ordinal, err := specs.Ordinal(source)
	if err != nil {
		return fmt.Errorf("backup source %s: %w", source, err)
	}
	trust, err := clientTrust(ctx, r.APIReader, c, specs.MemberHost(c, ordinal, r.ClusterZone))
	if err != nil {
		return err
	}
	job := specs.BackupJob(b, c, specs.BackupSource{Pod: source, Ordinal: ordinal},
		specs.BackupJobOptions{OrcaImage: r.OrcaImage, ClusterZone: r.ClusterZone, TLSServerName: trust.ServerName})
	if err := controllerutil.SetControllerReference(b, job, r.Scheme); err != nil {
		return fmt.Errorf("own job: %w", err)
	}
	if err := r.Create(ctx, job); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create backup job: %w", err)
	}
	emit(r.Recorder, b, events.BackupStarted, "backup Job %s started against %s", job.Name, source)
	return nil
}

// writeStatus records the step; events mark the transitions to a final phase.
func (r *MySQLBackupReconciler) writeStatus(ctx context.Context, b *v1.MySQLBackup, step backupStep) error {
	if step.Reason == "" {
		return nil // finished: nothing changes any more
	}
	before := b.Status.Phase
	_, err := clusterstatus.UpdateBackup(ctx, r.Client, client.ObjectKeyFromObject(b),
		func(b *v1.MySQLBackup, s *v1.MySQLBackupStatus) { applyUnlessFinished(b, s, step, metav1.Now()) })
	if err != nil || before == step.Phase {
		return err
	}
	switch step.Phase {
	case v1.BackupSucceeded:
		emit(r.Recorder, b, events.BackupSucceeded, "backup complete at %s", specs.BackupLocation(b))
	case v1.BackupFailed:
		emit(r.Recorder, b, events.BackupFailed, "backup failed: %s", step.Message)
	}
	return nil
}

// applyUnlessFinished applies the step unless the backup, as read for the write, has finished: the step may come
// from a cached copy older than the write that finished it, and a finished backup never changes phase.
func applyUnlessFinished(b *v1.MySQLBackup, s *v1.MySQLBackupStatus, step backupStep, now metav1.Time) {
	if s.Phase == v1.BackupSucceeded || s.Phase == v1.BackupFailed {
		return
	}
	applyStep(b, s, step, now)
}

func applyStep(b *v1.MySQLBackup, s *v1.MySQLBackupStatus, step backupStep, now metav1.Time) {
	s.Phase = step.Phase
	if step.Message != "" {
		s.Message = step.Message
	}
	if step.CreateJob {
		s.StartTime, s.Source, s.SourceRole, s.JobName = &now, step.Source, step.SourceRole, specs.BackupJobName(b)
		s.Location = specs.BackupLocation(b)
	}
	status := metav1.ConditionFalse
	if step.Phase == v1.BackupSucceeded || step.Phase == v1.BackupFailed {
		s.CompletionTime = &now
		status = metav1.ConditionTrue
		if step.Phase == v1.BackupFailed {
			status = metav1.ConditionFalse
		}
	}
	if step.Summary != nil {
		s.SizeBytes, s.GTIDSet = step.Summary.Size, step.Summary.GTIDSet
		if step.Summary.Location != "" {
			s.Location = step.Summary.Location
		}
	}
	clusterstatus.SetBackupCondition(s, b.Generation, v1.BackupConditionComplete, status, step.Reason, s.Message)
}

// finalizeBackup stops a running backup's Job (its pod with it) before the backup goes. Objects already in S3
// stay: without a manifest they are never restored, and the next backup at the location cleans them up.
func (r *MySQLBackupReconciler) finalizeBackup(ctx context.Context, b *v1.MySQLBackup) error {
	if !controllerutil.ContainsFinalizer(b, v1.BackupFinalizer) {
		return nil
	}
	if b.Status.Phase == v1.BackupRunning {
		if err := deleteJob(ctx, r.Client, b.Namespace, specs.BackupJobName(b)); err != nil {
			return err
		}
	}
	if b.Status.VerifyJobName != "" && b.Status.Verified == nil {
		if err := deleteJob(ctx, r.Client, b.Namespace, specs.VerifyJobName(b)); err != nil {
			return err
		}
	}
	controllerutil.RemoveFinalizer(b, v1.BackupFinalizer)
	if err := r.Update(ctx, b); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("remove finalizer: %w", err)
	}
	return nil
}

// SetupWithManager registers the reconciler; a change of its Job wakes the backup.
func (r *MySQLBackupReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1.MySQLBackup{}).
		Owns(&batchv1.Job{}).
		Named("mysqlbackup").
		Complete(opmetrics.Reconciler("mysqlbackup", r))
}

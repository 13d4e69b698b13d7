package controllers

import (
	"context"
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/clusterstatus"
	"github.com/orca-operator/orca/internal/events"
	"github.com/orca-operator/orca/internal/specs"
)

// reconcileInitDB moves a spec.initDB restore forward by one step: it runs the restore Job into the first
// member while no group exists (the cluster loop bootstraps only once status.initDB is Completed). It reports
// whether to look again soon.
func (r *InnoDBClusterReconciler) reconcileInitDB(ctx context.Context, c *v1.InnoDBCluster) (bool, error) {
	if c.Spec.InitDB == nil || c.Spec.InitDB.Dump == nil {
		return false, nil
	}
	obs, src, err := r.observeInitDB(ctx, c)
	if err != nil {
		return false, err
	}
	step := planInitDB(obs)
	if step.CreateJob {
		if err := r.createInitDBJob(ctx, c, src); err != nil {
			return false, err
		}
	}
	if err := r.writeInitDBStatus(ctx, c, step, specs.S3Location(src.Storage, src.ID)); err != nil {
		return false, err
	}
	if step.DeleteJob { // after Completed is written: the Job is never created again
		if err := deleteJob(ctx, r.Client, c.Namespace, specs.InitDBJobName(c)); err != nil {
			return false, err
		}
	}
	return step.Wait, nil
}

func (r *InnoDBClusterReconciler) observeInitDB(ctx context.Context, c *v1.InnoDBCluster) (initDBObservation,
	specs.InitDBSource, error) {
	d := c.Spec.InitDB.Dump
	obs := initDBObservation{Pending: c.RestorePending(), BackupName: d.BackupName,
		RestorePoint: c.Spec.InitDB.RestorePoint}
	if c.Status.InitDB != nil {
		obs.Phase = c.Status.InitDB.Phase
	}
	var src specs.InitDBSource
	if d.Storage != nil {
		src = specs.InitDBSource{Storage: d.Storage.S3, ID: d.Location}
	}
	if d.BackupName != "" {
		var b v1.MySQLBackup
		err := r.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: d.BackupName}, &b)
		if err != nil && !apierrors.IsNotFound(err) {
			return obs, src, fmt.Errorf("get backup %s: %w", d.BackupName, err)
		}
		obs.BackupFound, obs.BackupPhase = err == nil, b.Status.Phase
		src = specs.InitDBSource{Storage: b.Spec.Storage.S3, ID: b.Name}
	}
	var pod corev1.Pod
	err := r.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: specs.PodName(c, 0)}, &pod)
	if err != nil && !apierrors.IsNotFound(err) {
		return obs, src, fmt.Errorf("get first member pod: %w", err)
	}
	obs.FirstPodRunning = err == nil && pod.DeletionTimestamp.IsZero() && pod.Status.Phase == corev1.PodRunning
	var job batchv1.Job
	err = r.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: specs.InitDBJobName(c)}, &job)
	switch {
	case err == nil:
		st, err := readJobState(ctx, r.Client, &job)
		if err != nil {
			return obs, src, err
		}
		obs.Job = &st
	case !apierrors.IsNotFound(err):
		return obs, src, fmt.Errorf("get initDB job: %w", err)
	}
	return obs, src, nil
}

func (r *InnoDBClusterReconciler) createInitDBJob(ctx context.Context, c *v1.InnoDBCluster,
	src specs.InitDBSource) error {
	trust, err := clientTrust(ctx, r.APIReader, c, specs.MemberHost(c, 0, r.ClusterZone))
	if err != nil {
		return err
	}
	job := specs.InitDBJob(c, src, specs.BackupJobOptions{OrcaImage: r.OrcaImage, ClusterZone: r.ClusterZone,
		TLSServerName: trust.ServerName})
	if err := controllerutil.SetControllerReference(c, job, r.Scheme); err != nil {
		return fmt.Errorf("own initDB job: %w", err)
	}
	if err := r.Create(ctx, job); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create initDB job: %w", err)
	}
	emit(r.Recorder, c, events.RestoreStarted, "restore Job %s loads %s into %s", job.Name,
		specs.S3Location(src.Storage, src.ID), specs.PodName(c, 0))
	return nil
}

// writeInitDBStatus records the step in status.initDB and InitDBRestored; events mark the final phases.
func (r *InnoDBClusterReconciler) writeInitDBStatus(ctx context.Context, c *v1.InnoDBCluster, step initDBStep,
	location string) error {
	if step.Reason == "" {
		return nil
	}
	before := v1.InitDBPhase("")
	if c.Status.InitDB != nil {
		before = c.Status.InitDB.Phase
	}
	_, err := clusterstatus.Update(ctx, r.Client, client.ObjectKeyFromObject(c),
		func(cl *v1.InnoDBCluster, s *v1.InnoDBClusterStatus) {
			applyInitDBStep(cl, s, step, location, specs.InitDBJobName(cl), metav1.Now())
		})
	if err != nil || before == step.Phase {
		return err
	}
	switch step.Phase {
	case v1.InitDBCompleted:
		emit(r.Recorder, c, events.RestoreCompleted, "%s", step.Message)
	case v1.InitDBFailed:
		emit(r.Recorder, c, events.RestoreFailed, "%s", step.Message)
	}
	return nil
}

func applyInitDBStep(c *v1.InnoDBCluster, s *v1.InnoDBClusterStatus, step initDBStep, location, job string,
	now metav1.Time) {
	if s.InitDB == nil {
		s.InitDB = &v1.InitDBStatus{}
	}
	in := s.InitDB
	in.Phase, in.Message, in.Location = step.Phase, step.Message, location
	if step.Reached != nil {
		in.Reached = step.Reached
	}
	if step.CreateJob {
		in.JobName, in.StartTime = job, &now
	}
	status := metav1.ConditionFalse
	if step.Phase == v1.InitDBCompleted || step.Phase == v1.InitDBFailed {
		if in.CompletionTime == nil {
			in.CompletionTime = &now
		}
		in.RestoreSeconds = step.RestoreSeconds
	}
	if step.Phase == v1.InitDBCompleted {
		status = metav1.ConditionTrue
	}
	clusterstatus.SetCondition(s, c.Generation, v1.ConditionInitDBRestored, status, step.Reason, step.Message)
}

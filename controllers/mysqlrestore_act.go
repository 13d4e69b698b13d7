package controllers

import (
	"context"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/clusterstatus"
	"github.com/orca-operator/orca/internal/events"
	"github.com/orca-operator/orca/internal/specs"
)

// busy names the cluster's other operations in progress, read uncached: restores older than this one or
// already past Pending, backup Jobs still active, migrations backing up or running.
func (r *MySQLRestoreReconciler) busy(ctx context.Context, rs *v1.MySQLRestore) ([]string, error) {
	var out []string
	var restores v1.MySQLRestoreList
	if err := r.APIReader.List(ctx, &restores, client.InNamespace(rs.Namespace)); err != nil {
		return nil, fmt.Errorf("list restores: %w", err)
	}
	for i := range restores.Items {
		o := &restores.Items[i]
		if o.Name == rs.Name || o.Spec.ClusterName != rs.Spec.ClusterName || o.Status.Finished() {
			continue
		}
		active := o.Status.Phase != "" && o.Status.Phase != v1.RestorePhasePending
		if active || restoreOlder(o, rs) {
			out = append(out, "MySQLRestore "+o.Name)
		}
	}
	var jobs batchv1.JobList
	if err := r.APIReader.List(ctx, &jobs, client.InNamespace(rs.Namespace), client.MatchingLabels{
		v1.LabelCluster: rs.Spec.ClusterName, v1.LabelComponent: v1.ComponentBackup}); err != nil {
		return nil, fmt.Errorf("list backup jobs: %w", err)
	}
	for i := range jobs.Items {
		if !jobFinished(&jobs.Items[i]) {
			out = append(out, "backup Job "+jobs.Items[i].Name)
		}
	}
	var runs v1.MigrationRunList
	if err := r.APIReader.List(ctx, &runs, client.InNamespace(rs.Namespace)); err != nil {
		return nil, fmt.Errorf("list migration runs: %w", err)
	}
	for _, run := range runs.Items {
		p := run.Status.Phase
		if run.Spec.ClusterName == rs.Spec.ClusterName && (p == v1.MigrationRunning || p == v1.MigrationBackingUp) {
			out = append(out, "MigrationRun "+run.Name)
		}
	}
	return out, nil
}

// restoreOlder orders restores by creation, then name.
func restoreOlder(a, b *v1.MySQLRestore) bool {
	ta, tb := a.CreationTimestamp.Time, b.CreationTimestamp.Time
	if !ta.Equal(tb) {
		return ta.Before(tb)
	}
	return a.Name < b.Name
}

// act runs the step's effects in order: fence before the Job, the Job before the reform.
func (r *MySQLRestoreReconciler) act(ctx context.Context, rs *v1.MySQLRestore, refs restoreRefs,
	step restoreStep) error {
	if step.Fence {
		if err := r.annotate(ctx, rs, refs.Cluster, map[string]string{v1.AnnotationRestoreFence: rs.Name}); err != nil {
			return err
		}
	}
	if step.CreateSafetyBackup {
		if err := r.createSafetyBackup(ctx, rs, refs.Backup); err != nil {
			return err
		}
	}
	if step.CreateJob {
		if err := r.createJob(ctx, rs, refs); err != nil {
			return err
		}
	}
	if step.Reform {
		if err := r.annotate(ctx, rs, refs.Cluster, map[string]string{v1.AnnotationRestoreReform: "true"}); err != nil {
			return err
		}
	}
	if step.LiftFence && refs.Cluster != nil {
		return r.liftFence(ctx, rs, refs.Cluster)
	}
	return nil
}

// annotate sets annotations on the cluster while this restore holds its fence (or takes a free one). The
// update carries the resourceVersion read: two restores racing for the fence cannot both take it.
func (r *MySQLRestoreReconciler) annotate(ctx context.Context, rs *v1.MySQLRestore, c *v1.InnoDBCluster,
	set map[string]string) error {
	if holder := c.Annotations[v1.AnnotationRestoreFence]; holder != "" && holder != rs.Name {
		return fmt.Errorf("cluster %s is fenced by MySQLRestore %s", c.Name, holder)
	}
	changed := false
	for k, v := range set {
		if c.Annotations[k] != v {
			if c.Annotations == nil {
				c.Annotations = map[string]string{}
			}
			c.Annotations[k], changed = v, true
		}
	}
	if !changed {
		return nil
	}
	if err := r.Update(ctx, c); err != nil {
		return fmt.Errorf("annotate cluster %s: %w", c.Name, err)
	}
	return nil
}

// liftFence removes the restore's fence from the cluster, when it holds it.
func (r *MySQLRestoreReconciler) liftFence(ctx context.Context, rs *v1.MySQLRestore, c *v1.InnoDBCluster) error {
	if c.Annotations[v1.AnnotationRestoreFence] != rs.Name {
		return nil
	}
	delete(c.Annotations, v1.AnnotationRestoreFence)
	delete(c.Annotations, v1.AnnotationRestoreReform)
	if err := r.Update(ctx, c); err != nil {
		return fmt.Errorf("lift the restore fence of cluster %s: %w", c.Name, err)
	}
	return nil
}

// createSafetyBackup takes a MySQLBackup of the cluster into the restored backup's storage, owned by the
// restore.
func (r *MySQLRestoreReconciler) createSafetyBackup(ctx context.Context, rs *v1.MySQLRestore,
	from *v1.MySQLBackup) error {
	b := &v1.MySQLBackup{
		ObjectMeta: metav1.ObjectMeta{Namespace: rs.Namespace, Name: v1.RestoreSafetyBackupName(rs.Name),
			Labels: map[string]string{v1.LabelCluster: rs.Spec.ClusterName, v1.LabelRestore: rs.Name}},
		Spec: v1.MySQLBackupSpec{ClusterName: rs.Spec.ClusterName, Storage: from.Spec.Storage,
			Options: from.Spec.Options},
	}
	if err := controllerutil.SetControllerReference(rs, b, r.Scheme); err != nil {
		return fmt.Errorf("own safety backup: %w", err)
	}
	if err := r.Create(ctx, b); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create safety backup: %w", err)
	}
	emit(r.Recorder, rs, events.InPlaceRestoreSafetyBackup, "safety backup %s of %s started", b.Name,
		rs.Spec.ClusterName)
	return nil
}

// createJob starts `orca restore --replace` of the backup into the first member.
func (r *MySQLRestoreReconciler) createJob(ctx context.Context, rs *v1.MySQLRestore, refs restoreRefs) error {
	c := refs.Cluster
	trust, err := clientTrust(ctx, r.APIReader, c, specs.MemberHost(c, 0, r.ClusterZone))
	if err != nil {
		return err
	}
	job := specs.RestoreJob(rs, c, restoreSource(refs.Backup), specs.BackupJobOptions{OrcaImage: r.OrcaImage,
		ClusterZone: r.ClusterZone, TLSServerName: trust.ServerName})
	if err := controllerutil.SetControllerReference(rs, job, r.Scheme); err != nil {
		return fmt.Errorf("own restore job: %w", err)
	}
	if err := r.Create(ctx, job); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return nil
		}
		return fmt.Errorf("create restore job: %w", err)
	}
	emit(r.Recorder, rs, events.InPlaceRestoreFenced, "writes of %s stopped; Job %s restores %s into %s",
		c.Name, job.Name, specs.BackupLocation(refs.Backup), specs.PodName(c, 0))
	return nil
}

func restoreSource(b *v1.MySQLBackup) specs.InitDBSource {
	return specs.InitDBSource{Storage: b.Spec.Storage.S3, ID: b.Name}
}

// writeStatus records the step; events mark the reform and the final phases.
func (r *MySQLRestoreReconciler) writeStatus(ctx context.Context, rs *v1.MySQLRestore, step restoreStep,
	refs restoreRefs) error {
	if step.Reason == "" {
		return nil
	}
	before := rs.Status.Phase
	location := ""
	if refs.Backup != nil {
		location = specs.BackupLocation(refs.Backup)
	}
	_, err := clusterstatus.UpdateRestore(ctx, r.Client, client.ObjectKeyFromObject(rs),
		func(o *v1.MySQLRestore, s *v1.MySQLRestoreStatus) {
			applyRestoreStep(o, s, step, location, metav1.Now())
		})
	if err != nil || before == step.Phase {
		return err
	}
	switch step.Phase {
	case v1.RestorePhaseReforming:
		emit(r.Recorder, rs, events.InPlaceRestoreReforming, "%s", step.Message)
	case v1.RestorePhaseCompleted:
		emit(r.Recorder, rs, events.InPlaceRestoreCompleted, "%s", step.Message)
	case v1.RestorePhaseFailed:
		emit(r.Recorder, rs, events.InPlaceRestoreFailed, "%s", step.Message)
	}
	return nil
}

func applyRestoreStep(rs *v1.MySQLRestore, s *v1.MySQLRestoreStatus, step restoreStep, location string,
	now metav1.Time) {
	s.Phase, s.Message = step.Phase, step.Message
	if location != "" {
		s.Location = location
	}
	if step.CreateSafetyBackup {
		s.SafetyBackupName = v1.RestoreSafetyBackupName(rs.Name)
	}
	if step.Fence && s.FencedAt == nil {
		s.FencedAt = &now
	}
	if step.CreateJob {
		s.JobName = v1.RestoreJobName(rs.Name)
	}
	if step.Reform && s.ReformStartedAt == nil {
		s.ReformStartedAt = &now
	}
	if step.Reached != nil {
		s.Reached = step.Reached
	}
	status := metav1.ConditionFalse
	if step.Phase == v1.RestorePhaseCompleted || step.Phase == v1.RestorePhaseFailed {
		if s.CompletionTime == nil {
			s.CompletionTime = &now
		}
		if step.Phase == v1.RestorePhaseCompleted {
			status = metav1.ConditionTrue
		}
	}
	clusterstatus.SetRestoreCondition(s, rs.Generation, v1.RestoreConditionComplete, status, step.Reason, step.Message)
}

// finalize stops the restore's Job and waits for it to be gone, then lifts the fence the restore holds: the
// cluster loop takes over only once nothing writes into the first member any more.
func (r *MySQLRestoreReconciler) finalize(ctx context.Context, rs *v1.MySQLRestore) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(rs, v1.RestoreFinalizer) {
		return ctrl.Result{}, nil
	}
	if running, err := r.stopJob(ctx, rs); err != nil || running {
		return ctrl.Result{RequeueAfter: 2 * time.Second}, err
	}
	c, err := getOptional(ctx, r.Client, rs.Namespace, rs.Spec.ClusterName, &v1.InnoDBCluster{})
	if err != nil {
		return ctrl.Result{}, err
	}
	if c != nil && c.Annotations[v1.AnnotationRestoreFence] == rs.Name {
		if err := r.liftFence(ctx, rs, c); err != nil {
			return ctrl.Result{}, err
		}
		emit(r.Recorder, rs, events.InPlaceRestoreFenceLifted, "MySQLRestore deleted in phase %s: the fence of %s "+
			"is lifted", rs.Status.Phase, c.Name)
	}
	controllerutil.RemoveFinalizer(rs, v1.RestoreFinalizer)
	if err := r.Update(ctx, rs); err != nil && !apierrors.IsNotFound(err) {
		return ctrl.Result{}, fmt.Errorf("remove finalizer: %w", err)
	}
	return ctrl.Result{}, nil
}

// stopJob deletes the restore's Job while it runs and reports whether a pod of a deleted one still runs.
func (r *MySQLRestoreReconciler) stopJob(ctx context.Context, rs *v1.MySQLRestore) (bool, error) {
	job, err := getOptional(ctx, r.Client, rs.Namespace, v1.RestoreJobName(rs.Name), &batchv1.Job{})
	if err != nil {
		return false, err
	}
	if job != nil && jobFinished(job) {
		return false, nil // its pod ended
	}
	if job != nil {
		if err := deleteJob(ctx, r.Client, rs.Namespace, job.Name); err != nil {
			return false, err
		}
	}
	var pods corev1.PodList
	if err := r.List(ctx, &pods, client.InNamespace(rs.Namespace), client.MatchingLabels{
		v1.LabelComponent: v1.ComponentRestore, v1.LabelRestore: rs.Name}); err != nil {
		return false, fmt.Errorf("list restore pods: %w", err)
	}
	for _, p := range pods.Items {
		if p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
			return true, nil
		}
	}
	return false, nil
}

package controllers

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/clusterstatus"
	"github.com/orca-operator/orca/internal/events"
	"github.com/orca-operator/orca/internal/specs"
)

// reconcileVerify moves a succeeded backup's verification forward by one step; it reports whether to look
// again soon.
func (r *MySQLBackupReconciler) reconcileVerify(ctx context.Context, b *v1.MySQLBackup) (bool, error) {
	obs, cluster, err := r.observeVerify(ctx, b)
	if err != nil {
		return false, err
	}
	step := planVerify(obs)
	if step.CreateJob {
		if err := r.createVerifyJob(ctx, b, cluster); err != nil {
			return false, err
		}
	}
	if err := r.writeVerifyStatus(ctx, b, step); err != nil {
		return false, err
	}
	if step.DeleteJob { // after the outcome is written: a lost Job is never mistaken for one not yet created
		if err := deleteJob(ctx, r.Client, b.Namespace, specs.VerifyJobName(b)); err != nil {
			return false, err
		}
	}
	return step.Wait, nil
}

func (r *MySQLBackupReconciler) observeVerify(ctx context.Context, b *v1.MySQLBackup) (verifyObservation,
	*v1.InnoDBCluster, error) {
	obs := verifyObservation{Enabled: b.Spec.VerifyEnabled(), Ended: b.Status.Verified != nil}
	if c := meta.FindStatusCondition(b.Status.Conditions, string(v1.BackupConditionVerified)); c != nil {
		obs.Reason = v1.BackupReason(c.Reason)
	}
	if !obs.Enabled {
		return obs, nil, nil
	}
	cluster, found, err := r.getCluster(ctx, b)
	if err != nil {
		return obs, nil, err
	}
	obs.ClusterFound = found
	obs.Job, obs.OtherJobs, err = r.clusterJobs(ctx, b, v1.ComponentBackupVerify, specs.VerifyJobName(b))
	return obs, cluster, err
}

func (r *MySQLBackupReconciler) createVerifyJob(ctx context.Context, b *v1.MySQLBackup, c *v1.InnoDBCluster) error {
	job := specs.VerifyJob(b, c, specs.BackupJobOptions{OrcaImage: r.OrcaImage, ClusterZone: r.ClusterZone})
	if err := controllerutil.SetControllerReference(b, job, r.Scheme); err != nil {
		return fmt.Errorf("own restore-verify job: %w", err)
	}
	if err := r.Create(ctx, job); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create restore-verify job: %w", err)
	}
	emit(r.Recorder, b, events.VerificationStarted, "restore-verify Job %s started", job.Name)
	return nil
}

// writeVerifyStatus records the step; events mark the end of the verification.
func (r *MySQLBackupReconciler) writeVerifyStatus(ctx context.Context, b *v1.MySQLBackup, step verifyStep) error {
	if step.Reason == "" {
		return nil
	}
	_, err := clusterstatus.UpdateBackup(ctx, r.Client, client.ObjectKeyFromObject(b),
		func(b *v1.MySQLBackup, s *v1.MySQLBackupStatus) { applyVerifyStep(b, s, step, metav1.Now()) })
	if err != nil || step.Verified == nil || b.Status.Verified != nil {
		return err
	}
	if *step.Verified {
		emit(r.Recorder, b, events.BackupVerified, "backup verified: %s", step.Message)
	} else {
		emit(r.Recorder, b, events.VerificationFailed, "backup verification failed (%s): %s", step.Reason, step.Message)
	}
	return nil
}

func applyVerifyStep(b *v1.MySQLBackup, s *v1.MySQLBackupStatus, step verifyStep, now metav1.Time) {
	if step.CreateJob {
		s.VerifyJobName = specs.VerifyJobName(b)
	}
	status := metav1.ConditionFalse
	if step.Verified != nil {
		s.Verified, s.VerifiedAt, s.RestoreSeconds = step.Verified, &now, step.RestoreSeconds
		if *step.Verified {
			status = metav1.ConditionTrue
		}
	}
	clusterstatus.SetBackupCondition(s, b.Generation, v1.BackupConditionVerified, status, step.Reason,
		step.Message)
}

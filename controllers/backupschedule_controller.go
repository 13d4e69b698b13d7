package controllers

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/clusterstatus"
	"github.com/orca-operator/orca/internal/events"
)

// BackupScheduleReconciler runs a cluster's spec.backupSchedules: it creates a MySQLBackup when one is due,
// deletes the backups retention expires (their objects through the MySQLBackup's finalizer) and keeps the
// cluster's status.backupSchedules, lastCompleteBackup and lastVerifiedBackup. It runs no SQL and no S3 request.
type BackupScheduleReconciler struct {
	client.Client
	Scheme   *runtime.Scheme
	Recorder recorder.EventRecorder
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// RBAC (test/rbac exercises every verb): scheduled backups are created, expired ones annotated and deleted.
// +kubebuilder:rbac:groups=mysql.orca.dev,resources=mysqlbackups,verbs=list;watch;create;update;delete
// +kubebuilder:rbac:groups=mysql.orca.dev,resources=innodbclusters,verbs=list;watch
// +kubebuilder:rbac:groups=mysql.orca.dev,resources=innodbclusters/status,verbs=update

// Reconcile takes one pass over one cluster's schedules.
func (r *BackupScheduleReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	logger := log.FromContext(ctx).WithValues("cluster", req.NamespacedName)
	ctx = log.IntoContext(ctx, logger)
	var c v1.InnoDBCluster
	if err := r.Get(ctx, req.NamespacedName, &c); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !c.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}
	obs, err := r.observe(ctx, &c)
	if err != nil {
		return ctrl.Result{}, err
	}
	p := planSchedules(obs)
	for _, b := range p.Create {
		if err := r.createBackup(ctx, &c, b, obs.Now); err != nil {
			return ctrl.Result{}, err
		}
	}
	for _, e := range p.Expire {
		if err := r.expire(ctx, &c, e); err != nil {
			return ctrl.Result{}, err
		}
	}
	if err := r.writeStatus(ctx, &c, p, obs.Backups); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{RequeueAfter: p.RequeueAfter}, nil
}

func (r *BackupScheduleReconciler) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

func (r *BackupScheduleReconciler) observe(ctx context.Context, c *v1.InnoDBCluster) (scheduleObservation, error) {
	obs := scheduleObservation{Now: r.now(), Cluster: c.Name, Schedules: c.Spec.BackupSchedules,
		Profiles: c.Spec.BackupProfiles, Status: c.Status.BackupSchedules}
	var list v1.MySQLBackupList
	if err := r.List(ctx, &list, client.InNamespace(c.Namespace)); err != nil {
		return obs, fmt.Errorf("list backups: %w", err)
	}
	for i := range list.Items {
		b := &list.Items[i]
		if b.Spec.ClusterName != c.Name || !b.DeletionTimestamp.IsZero() {
			continue
		}
		ob := observedBackup{Name: b.Name, Schedule: b.Labels[v1.LabelBackupSchedule],
			Created: b.CreationTimestamp.UTC(), Phase: b.Status.Phase, Status: b.Status}
		if t, err := time.Parse(time.RFC3339, b.Annotations[v1.AnnotationScheduledTime]); err == nil {
			ob.Scheduled = t.UTC()
		}
		obs.Backups = append(obs.Backups, ob)
	}
	return obs, nil
}

// createBackup creates a due backup, owned by the cluster; one that exists already (an earlier pass made it) is
// left alone.
func (r *BackupScheduleReconciler) createBackup(ctx context.Context, c *v1.InnoDBCluster, nb dueBackup,
	now time.Time) error {
	b := &v1.MySQLBackup{
		ObjectMeta: metav1.ObjectMeta{Name: nb.Name, Namespace: c.Namespace,
			Labels: map[string]string{v1.LabelCluster: c.Name, v1.LabelBackupSchedule: nb.Schedule,
				v1.LabelManagedBy: v1.ManagedByOrca},
			Annotations: map[string]string{v1.AnnotationScheduledTime: nb.Time.UTC().Format(time.RFC3339)}},
		Spec: v1.MySQLBackupSpec{ClusterName: c.Name, Storage: nb.Storage, Options: nb.Options},
	}
	if err := controllerutil.SetControllerReference(c, b, r.Scheme); err != nil {
		return fmt.Errorf("own backup %s: %w", nb.Name, err)
	}
	if err := r.Create(ctx, b); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return nil
		}
		return fmt.Errorf("create scheduled backup %s: %w", nb.Name, err)
	}
	at := nb.Time.Format(time.RFC3339)
	emit(r.Recorder, c, events.BackupScheduled, "schedule %s: backup %s for %s", nb.Schedule, nb.Name, at)
	if nb.Missed > 0 || now.Sub(nb.Time) > lateAfter {
		emit(r.Recorder, c, events.BackupRunsMissed, "schedule %s missed %d earlier runs and is %s late (was the "+
			"operator down?): one backup, %s, for %s, none for the missed runs", nb.Schedule, nb.Missed,
			now.Sub(nb.Time).Round(time.Second), nb.Name, at)
	}
	return nil
}

// lateAfter is how late a run may start before an event says so.
const lateAfter = 2 * time.Minute

// expire marks a backup for the deletion of its objects, then deletes it: its finalizer runs the Job that
// deletes them and lets it go once that succeeded.
func (r *BackupScheduleReconciler) expire(ctx context.Context, c *v1.InnoDBCluster, e scheduledExpiry) error {
	var b v1.MySQLBackup
	if err := r.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: e.Name}, &b); err != nil {
		return client.IgnoreNotFound(err)
	}
	if b.Annotations[v1.AnnotationDeleteObjects] != "true" {
		if b.Annotations == nil {
			b.Annotations = map[string]string{}
		}
		b.Annotations[v1.AnnotationDeleteObjects] = "true"
		if err := r.Update(ctx, &b); err != nil {
			return fmt.Errorf("mark expired backup %s: %w", b.Name, err)
		}
	}
	if err := r.Delete(ctx, &b); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("delete expired backup %s: %w", b.Name, err)
	}
	emit(r.Recorder, c, events.BackupExpired, "schedule %s: backup %s expired (%s): deleting it and its objects",
		e.Schedule, e.Name, e.Reason)
	return nil
}

func (r *BackupScheduleReconciler) writeStatus(ctx context.Context, c *v1.InnoDBCluster, p schedulePlan,
	backups []observedBackup) error {
	before := clusterstatus.ConditionStatus(&c.Status, v1.ConditionBackupSchedulesValid)
	_, err := clusterstatus.Update(ctx, r.Client, client.ObjectKeyFromObject(c),
		func(c *v1.InnoDBCluster, s *v1.InnoDBClusterStatus) { applyScheduleStatus(c, s, p, backups) })
	if err != nil {
		return err
	}
	if p.Reason != "" && p.Reason != v1.ReasonSchedulesValid && before != metav1.ConditionFalse {
		emit(r.Recorder, c, events.BackupScheduleInvalid, "%s", p.Message)
	}
	return nil
}

// SetupWithManager registers the reconciler: a spec change of a cluster, or any change of one of its backups,
// wakes the cluster; otherwise it wakes when the next schedule is due.
func (r *BackupScheduleReconciler) SetupWithManager(mgr ctrl.Manager) error {
	toCluster := handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
		b, ok := o.(*v1.MySQLBackup)
		if !ok {
			return nil
		}
		return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: b.Namespace,
			Name: b.Spec.ClusterName}}}
	})
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1.InnoDBCluster{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&v1.MySQLBackup{}, toCluster).
		Named("backupschedule").
		Complete(r)
}

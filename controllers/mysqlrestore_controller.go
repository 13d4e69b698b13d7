package controllers

import (
	"context"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/opmetrics"
)

// MySQLRestoreReconciler runs in-place restores: it checks that nothing else runs on the cluster, takes the
// safety backup, sets the cluster's restore fence, runs the restore Job (which fences the members and replaces
// the first one's data) and hands the restored member to the cluster loop. It runs no SQL: the Job and the
// loop do.
type MySQLRestoreReconciler struct {
	client.Client
	// APIReader lists the cluster's Jobs, restores and migrations uncached, so two operations never both see
	// none running.
	APIReader client.Reader
	Scheme    *runtime.Scheme
	Recorder  recorder.EventRecorder
	// OrcaImage runs `orca restore --replace`.
	OrcaImage string
	// ClusterZone is the cluster's DNS zone; cluster.local when empty.
	ClusterZone string
}

// RBAC, least privilege (test/rbac exercises every verb): the restore's finalizer and status; the cluster's
// fence annotations; the safety MySQLBackup; the restore Job (from the backup reconciler's markers).
// +kubebuilder:rbac:groups=mysql.orca.dev,resources=mysqlrestores,verbs=list;watch;update
// +kubebuilder:rbac:groups=mysql.orca.dev,resources=mysqlrestores/status,verbs=update
// +kubebuilder:rbac:groups=mysql.orca.dev,resources=mysqlrestores/finalizers,verbs=update
// +kubebuilder:rbac:groups=mysql.orca.dev,resources=mysqlbackups,verbs=create
// +kubebuilder:rbac:groups=mysql.orca.dev,resources=migrationruns,verbs=list

// Reconcile moves one restore forward by one step.
func (r *MySQLRestoreReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	ctx = log.IntoContext(ctx, log.FromContext(ctx).WithValues("restore", req.NamespacedName))
	var rs v1.MySQLRestore
	if err := r.Get(ctx, req.NamespacedName, &rs); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !rs.DeletionTimestamp.IsZero() {
		return r.finalize(ctx, &rs)
	}
	if controllerutil.AddFinalizer(&rs, v1.RestoreFinalizer) {
		if err := r.Update(ctx, &rs); err != nil {
			return ctrl.Result{}, fmt.Errorf("add finalizer: %w", err)
		}
	}
	obs, refs, err := r.observe(ctx, &rs)
	if err != nil {
		return ctrl.Result{}, err
	}
	step := planRestore(obs)
	if err := r.act(ctx, &rs, refs, step); err != nil {
		return ctrl.Result{}, err
	}
	if err := r.writeStatus(ctx, &rs, step, refs); err != nil {
		return ctrl.Result{}, err
	}
	if step.Wait {
		return ctrl.Result{RequeueAfter: pendingRetry}, nil
	}
	return ctrl.Result{}, nil
}

// restoreRefs are the objects a restore's effects need: its cluster and its backup (nil when missing).
type restoreRefs struct {
	Cluster *v1.InnoDBCluster
	Backup  *v1.MySQLBackup
}

func (r *MySQLRestoreReconciler) observe(ctx context.Context, rs *v1.MySQLRestore) (restoreObservation,
	restoreRefs, error) {
	obs := restoreObservation{Name: rs.Name, Phase: rs.Status.Phase, SafetyBackup: rs.Spec.SafetyBackupEnabled(),
		RestorePoint: rs.Spec.RestorePoint}
	var refs restoreRefs
	if rs.Status.Finished() && rs.Status.Phase != v1.RestorePhaseCompleted {
		return obs, refs, nil
	}
	var err error
	refs.Cluster, err = getOptional(ctx, r.Client, rs.Namespace, rs.Spec.ClusterName, &v1.InnoDBCluster{})
	if err != nil {
		return obs, refs, err
	}
	if refs.Backup, err = getOptional(ctx, r.Client, rs.Namespace, rs.Spec.BackupName, &v1.MySQLBackup{}); err != nil {
		return obs, refs, err
	}
	obs.ClusterFound, obs.BackupFound = refs.Cluster != nil, refs.Backup != nil
	if refs.Backup != nil {
		obs.BackupPhase = refs.Backup.Status.Phase
	}
	if refs.Cluster != nil {
		obs.Fence = refs.Cluster.Annotations[v1.AnnotationRestoreFence]
		obs.OnlineSince = onlineSince(refs.Cluster)
	}
	if rs.Status.ReformStartedAt != nil {
		obs.ReformStartedAt = rs.Status.ReformStartedAt.Time
	}
	name := v1.RestoreSafetyBackupName(rs.Name)
	if obs.Safety, err = getOptional(ctx, r.Client, rs.Namespace, name, &v1.MySQLBackup{}); err != nil {
		return obs, refs, err
	}
	if obs.Job, err = r.restoreJob(ctx, rs); err != nil {
		return obs, refs, err
	}
	obs.Busy, err = r.busy(ctx, rs)
	return obs, refs, err
}

// getOptional reads one object; nil when it does not exist.
func getOptional[O client.Object](ctx context.Context, c client.Reader, ns, name string, obj O) (O, error) {
	var zero O
	err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, obj)
	switch {
	case apierrors.IsNotFound(err):
		return zero, nil
	case err != nil:
		return zero, fmt.Errorf("get %s: %w", name, err)
	}
	return obj, nil
}

// onlineSince is when the cluster loop last found every desired member ONLINE (MembersOnline turned True); zero
// while it does not.
func onlineSince(c *v1.InnoDBCluster) time.Time {
	cond := meta.FindStatusCondition(c.Status.Conditions, string(v1.ConditionMembersOnline))
	if cond == nil || cond.Status != metav1.ConditionTrue {
		return time.Time{}
	}
	return cond.LastTransitionTime.Time
}

func (r *MySQLRestoreReconciler) restoreJob(ctx context.Context, rs *v1.MySQLRestore) (*jobState, error) {
	job, err := getOptional(ctx, r.Client, rs.Namespace, v1.RestoreJobName(rs.Name), &batchv1.Job{})
	if err != nil || job == nil {
		return nil, err
	}
	st, err := readJobState(ctx, r.Client, job)
	return &st, err
}

// SetupWithManager registers the reconciler: its Job and safety backup wake it, and so does a change of its
// cluster (every member ONLINE after the reform) or of another restore of the cluster (its fence lifted).
func (r *MySQLRestoreReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1.MySQLRestore{}).
		Owns(&batchv1.Job{}).
		Owns(&v1.MySQLBackup{}).
		Watches(&v1.InnoDBCluster{}, handler.EnqueueRequestsFromMapFunc(r.clusterRestores(func(o client.Object) string {
			return o.GetName()
		}))).
		Watches(&v1.MySQLRestore{}, handler.EnqueueRequestsFromMapFunc(r.clusterRestores(func(o client.Object) string {
			return o.(*v1.MySQLRestore).Spec.ClusterName
		}))).
		Named("mysqlrestore").
		Complete(opmetrics.Reconciler("mysqlrestore", r))
}

// clusterRestores maps an object to the restores of the cluster cluster(object) names in its namespace.
func (r *MySQLRestoreReconciler) clusterRestores(cluster func(client.Object) string) handler.MapFunc {
	return func(ctx context.Context, o client.Object) []reconcile.Request {
		var list v1.MySQLRestoreList
		if err := r.List(ctx, &list, client.InNamespace(o.GetNamespace())); err != nil {
			return nil
		}
		var out []reconcile.Request
		for _, rs := range list.Items {
			if rs.Spec.ClusterName == cluster(o) && !rs.Status.Finished() {
				out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&rs)})
			}
		}
		return out
	}
}

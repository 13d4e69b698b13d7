package controllers

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/events"
	"github.com/orca-operator/orca/internal/opmetrics"
	"github.com/orca-operator/orca/internal/runstatus"
	"github.com/orca-operator/orca/internal/specs"
)

// waitingRecheck is how often a Pending, Blocked or AwaitingApproval run is planned again.
const waitingRecheck = 10 * time.Second

// MigrationRunReconciler starts each MigrationRun's migration Pod once its prechecks pass and makes the run's
// status follow the Pod. It runs no SQL: the runner in the Pod does.
type MigrationRunReconciler struct {
	Client client.Client
	// APIReader reads a Pod the cache has not seen yet (one created a moment ago).
	APIReader client.Reader
	Scheme    *runtime.Scheme
	// OrcaImage runs `orca migrate` for the built-in runner.
	OrcaImage string
	// SRVZone is the zone of Orca's DNS SRV records when the operator serves them: the Pod gets MYSQL_SRV_URI.
	// Empty: DNS SRV is off.
	SRVZone string
	// Recorder receives the runs' events (nil: none).
	Recorder recorder.EventRecorder

	// accounts are the namespaces whose runner ServiceAccount, Role and RoleBinding this process made or found:
	// not created again for every Pod (three requests), until a Pod's creation fails.
	accounts sync.Map
}

// The receiver (hooks/) creates runs and reads hooks from the cache; this controller reads both from the cache.
// +kubebuilder:rbac:groups=mysql.orca.dev,resources=migrationruns,verbs=list;watch;create;delete
// +kubebuilder:rbac:groups=mysql.orca.dev,resources=migrationruns/status;migrationruns/finalizers,verbs=update
// +kubebuilder:rbac:groups=mysql.orca.dev,resources=migrationhooks,verbs=list;watch
// +kubebuilder:rbac:groups="",resources=pods,verbs=list;watch;create
// The pre-migration backup, owned by the run.
// +kubebuilder:rbac:groups=mysql.orca.dev,resources=mysqlbackups,verbs=list;watch;create
// +kubebuilder:rbac:groups="",resources=serviceaccounts,verbs=create
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=roles;rolebindings,verbs=create
// The Role of migration Pods grants these on Leases; RBAC lets the operator grant only what it holds.
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;create;update

// Reconcile plans one step of the run.
func (r *MigrationRunReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var run v1.MigrationRun
	if err := r.Client.Get(ctx, req.NamespacedName, &run); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	obs, err := r.observe(ctx, &run)
	if err != nil {
		return ctrl.Result{}, err
	}
	if ended(&run.Status) {
		if obs.Hook == nil {
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, r.prune(ctx, obs.Hook)
	}
	if obs.Pod != nil || run.Status.PodName != "" {
		return ctrl.Result{}, r.follow(ctx, &run, obs)
	}
	step := planRun(obs)
	if step.CreateBackup {
		if err := r.createBackup(ctx, &run, step); err != nil {
			return ctrl.Result{}, err
		}
	}
	if step.CreatePod {
		if err := r.createPod(ctx, &run, obs.Hook, obs.Cluster); err != nil {
			return ctrl.Result{}, err
		}
	}
	if _, err := runstatus.Update(ctx, r.Client, req.NamespacedName, stepStatus(step)); err != nil {
		return ctrl.Result{}, err
	}
	if step.Phase != run.Status.Phase || step.Reason != run.Status.Reason {
		r.stepEvent(&run, step)
	}
	if !step.Final && (step.Phase == v1.MigrationPending || step.Phase == v1.MigrationBlocked ||
		step.Phase == v1.MigrationAwaitingApproval || step.Phase == v1.MigrationBackingUp) {
		return ctrl.Result{RequeueAfter: waitingRecheck}, nil
	}
	return ctrl.Result{}, nil
}

// observe reads the run's hook, cluster, Pod and the other runs of its cluster. The runs are the cache's own
// objects, not copies (a list per event of every run of the cluster was most of the operator's CPU under a burst
// of deliveries): the planner only reads them.
func (r *MigrationRunReconciler) observe(ctx context.Context, run *v1.MigrationRun) (runObservation, error) {
	obs := runObservation{Run: run}
	ns := run.Namespace
	var hook v1.MigrationHook
	if err := r.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: run.Spec.HookName}, &hook); err == nil {
		obs.Hook = &hook
	} else if !apierrors.IsNotFound(err) {
		return obs, fmt.Errorf("read hook %s: %w", run.Spec.HookName, err)
	}
	var cluster v1.InnoDBCluster
	if err := r.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: run.Spec.ClusterName}, &cluster); err == nil {
		obs.Cluster = &cluster
	} else if !apierrors.IsNotFound(err) {
		return obs, fmt.Errorf("read cluster %s: %w", run.Spec.ClusterName, err)
	}
	var pod corev1.Pod
	if err := r.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: specs.MigrationPodName(run)}, &pod); err == nil &&
		metav1.IsControlledBy(&pod, run) {
		obs.Pod = &pod
	} else if err != nil && !apierrors.IsNotFound(err) {
		return obs, fmt.Errorf("read migration pod: %w", err)
	}
	if obs.Pod == nil && run.Status.PodName != "" {
		if err := r.uncachedPod(ctx, run, &obs); err != nil {
			return obs, err
		}
	}
	var runs v1.MigrationRunList
	if err := r.Client.List(ctx, &runs, client.InNamespace(ns), client.UnsafeDisableDeepCopy,
		client.MatchingLabels{v1.LabelCluster: run.Spec.ClusterName}); err != nil {
		return obs, fmt.Errorf("list runs of cluster %s: %w", run.Spec.ClusterName, err)
	}
	obs.Others = withoutRun(runs.Items, run.Name)
	return obs, r.observeBackups(ctx, run, &obs)
}

// withoutRun is runs without the one named name, in runs' own array: the others are not copied (copying every run
// of the cluster into a new slice at each pass was a third of this controller's CPU under a burst of deliveries).
// The planner does not depend on their order.
func withoutRun(runs []v1.MigrationRun, name string) []v1.MigrationRun {
	for i := range runs {
		if runs[i].Name == name {
			last := len(runs) - 1
			runs[i] = runs[last]
			return runs[:last]
		}
	}
	return runs
}

// uncachedPod lists the run's Pod from the API server: one created a moment ago may not be in the cache yet,
// and must not be taken for one that disappeared.
func (r *MigrationRunReconciler) uncachedPod(ctx context.Context, run *v1.MigrationRun, obs *runObservation) error {
	var pods corev1.PodList
	if err := r.APIReader.List(ctx, &pods, client.InNamespace(run.Namespace),
		client.MatchingLabels{v1.LabelMigrationRun: run.Name}); err != nil {
		return fmt.Errorf("list the migration pod: %w", err)
	}
	for i := range pods.Items {
		if metav1.IsControlledBy(&pods.Items[i], run) {
			obs.Pod = &pods.Items[i]
		}
	}
	return nil
}

// follow writes the status the Pod implies, or Failed when the Pod disappeared; the status change brings the
// run back to Reconcile, which prunes the hook's history once the run has ended.
func (r *MigrationRunReconciler) follow(ctx context.Context, run *v1.MigrationRun, obs runObservation) error {
	key := client.ObjectKeyFromObject(run)
	var done *v1.MigrationRunStatus
	_, err := runstatus.Update(ctx, r.Client, key, func(_ *v1.MigrationRun, s *v1.MigrationRunStatus) {
		done = nil
		if terminal(s.Phase) || s.CompletionTime != nil {
			return
		}
		if obs.Pod == nil {
			now := metav1.Now()
			s.Phase, s.Reason, s.Message, s.CompletionTime = v1.MigrationFailed, v1.ReasonPodFailed,
				"the migration Pod disappeared before it ended", &now
		} else {
			podStatus(obs.Pod, s)
		}
		if s.CompletionTime != nil {
			done = s.DeepCopy()
		}
	})
	if err == nil && done != nil {
		r.endEvent(run, done)
	}
	return err
}

// stepEvent records a planned step that changed the run's phase or reason.
func (r *MigrationRunReconciler) stepEvent(run *v1.MigrationRun, step runStep) {
	switch {
	case step.CreatePod:
		emit(r.Recorder, run, events.MigrationStarted, "started migration Pod %s at commit %s",
			specs.MigrationPodName(run), run.Spec.Commit)
	case step.CreateBackup:
		emit(r.Recorder, run, events.MigrationBackingUp, "%s", step.Message)
	case step.Phase == v1.MigrationBlocked:
		emit(r.Recorder, run, events.MigrationBlocked, "%s: %s", step.Reason, step.Message)
	case step.Phase == v1.MigrationAwaitingApproval:
		emit(r.Recorder, run, events.MigrationAwaitingApproval, "%s", step.Message)
	case step.Phase == v1.MigrationFailed:
		emit(r.Recorder, run, events.MigrationFailed, "%s: %s", step.Reason, step.Message)
	}
}

// endEvent records how the run's Pod ended.
func (r *MigrationRunReconciler) endEvent(run *v1.MigrationRun, s *v1.MigrationRunStatus) {
	switch s.Phase {
	case v1.MigrationSucceeded:
		emit(r.Recorder, run, events.MigrationSucceeded, "applied up to version %s: %s", s.Version, s.Message)
	case v1.MigrationBlocked:
		emit(r.Recorder, run, events.MigrationBlocked, "%s: %s", s.Reason, s.Message)
	default:
		emit(r.Recorder, run, events.MigrationFailed, "%s: %s", s.Reason, s.Message)
	}
}

// stepStatus writes a planned step; an approval is recorded with who gave it.
func stepStatus(step runStep) runstatus.Mutation {
	return func(run *v1.MigrationRun, s *v1.MigrationRunStatus) {
		s.Phase, s.Reason, s.Message = step.Phase, step.Reason, step.Message
		if by := run.Annotations[v1.AnnotationApprovedBy]; by != "" && s.ApprovedBy == "" {
			s.ApprovedBy = by
		}
		if step.BackupName != "" {
			s.BackupName = step.BackupName
		}
		if step.BackupGTID != "" {
			s.BackupGTID = step.BackupGTID
		}
		if (terminal(step.Phase) || step.Final) && s.CompletionTime == nil {
			now := metav1.Now()
			s.CompletionTime = &now
		}
		if step.CreatePod {
			s.PodName = specs.MigrationPodName(run)
		}
	}
}

// createPod creates the migration Pod, owned by the run, and the built-in runner's ServiceAccount first.
func (r *MigrationRunReconciler) createPod(ctx context.Context, run *v1.MigrationRun, hook *v1.MigrationHook,
	cluster *v1.InnoDBCluster) error {
	if cluster == nil {
		return fmt.Errorf("cluster %s not found", run.Spec.ClusterName)
	}
	trust, err := clientTrust(ctx, r.APIReader, cluster, specs.MigrationHost(run))
	if err != nil {
		return err
	}
	if err := r.ensureRunnerAccount(ctx, run.Namespace); err != nil {
		return err
	}
	pod := specs.MigrationPod(run, hook, r.OrcaImage, r.SRVZone, trust)
	if err := controllerutil.SetControllerReference(run, pod, r.Scheme); err != nil {
		return fmt.Errorf("own migration pod: %w", err)
	}
	if err := r.Client.Create(ctx, pod); err != nil && !apierrors.IsAlreadyExists(err) {
		r.accounts.Delete(run.Namespace) // the ServiceAccount may be what is missing
		return fmt.Errorf("create migration pod %s: %w", pod.Name, err)
	}
	return nil
}

// ensureRunnerAccount creates the orca-migrate ServiceAccount of the namespace and its Role on Leases (the
// built-in runner's lock), once.
func (r *MigrationRunReconciler) ensureRunnerAccount(ctx context.Context, ns string) error {
	if _, ok := r.accounts.Load(ns); ok {
		return nil
	}
	name := specs.MigrationServiceAccount
	meta := metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{v1.LabelManagedBy: v1.ManagedByOrca}}
	objs := []client.Object{
		&corev1.ServiceAccount{ObjectMeta: meta, AutomountServiceAccountToken: ptr.To(true)},
		&rbacv1.Role{ObjectMeta: meta, Rules: []rbacv1.PolicyRule{{APIGroups: []string{"coordination.k8s.io"},
			Resources: []string{"leases"}, Verbs: []string{"get", "create", "update"}}}},
		&rbacv1.RoleBinding{ObjectMeta: meta,
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: name, Namespace: ns}}},
	}
	for _, o := range objs {
		if err := r.Client.Create(ctx, o); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create %T %s/%s for migration pods: %w", o, ns, name, err)
		}
	}
	r.accounts.Store(ns, true)
	return nil
}

// prune deletes the hook's oldest ended runs beyond its history limits (their Pods go with them).
func (r *MigrationRunReconciler) prune(ctx context.Context, hook *v1.MigrationHook) error {
	var runs v1.MigrationRunList
	if err := r.Client.List(ctx, &runs, client.InNamespace(hook.Namespace), client.UnsafeDisableDeepCopy,
		client.MatchingLabels{v1.LabelMigrationHook: hook.Name}); err != nil {
		return fmt.Errorf("list runs of hook %s: %w", hook.Name, err)
	}
	for _, name := range runsToPrune(runs.Items, limit(hook.Spec.SuccessfulRunsHistoryLimit),
		limit(hook.Spec.FailedRunsHistoryLimit)) {
		run := &v1.MigrationRun{ObjectMeta: metav1.ObjectMeta{Namespace: hook.Namespace, Name: name}}
		if err := r.Client.Delete(ctx, run, client.PropagationPolicy(metav1.DeletePropagationBackground)); err != nil &&
			!apierrors.IsNotFound(err) {
			return fmt.Errorf("delete old run %s: %w", name, err)
		}
	}
	return nil
}

func limit(l *int32) int { return int(ptr.Deref(l, 10)) }

// runsToPrune names the ended runs beyond the limits, oldest first: the newest kept of each outcome.
func runsToPrune(runs []v1.MigrationRun, succeeded, failed int) []string {
	slices.SortFunc(runs, func(a, b v1.MigrationRun) int {
		if olderThan(&a, &b) {
			return 1
		}
		return -1
	})
	var out []string
	kept := map[v1.MigrationPhase]int{}
	limits := map[v1.MigrationPhase]int{v1.MigrationSucceeded: succeeded, v1.MigrationFailed: failed}
	for _, run := range runs {
		if !ended(&run.Status) {
			continue
		}
		outcome := run.Status.Phase
		if outcome == v1.MigrationBlocked { // blocked for good: kept as a failure
			outcome = v1.MigrationFailed
		}
		if kept[outcome]++; kept[outcome] > limits[outcome] {
			out = append(out, run.Name)
		}
	}
	return out
}

// SetupWithManager watches runs and their Pods; a change of a cluster, of one of its runs or of one of its
// backups plans every run of that cluster again (a precheck may pass, a queued run may start).
func (r *MigrationRunReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1.MigrationRun{}).
		Owns(&corev1.Pod{}).
		Watches(&v1.InnoDBCluster{}, handler.EnqueueRequestsFromMapFunc(r.clusterRuns(func(o client.Object) string {
			return o.GetName()
		}))).
		Watches(&v1.MigrationRun{}, handler.EnqueueRequestsFromMapFunc(r.clusterRuns(func(o client.Object) string {
			return o.GetLabels()[v1.LabelCluster]
		})), builder.WithPredicates(r.queueChanges())).
		Watches(&v1.MySQLBackup{}, handler.EnqueueRequestsFromMapFunc(r.clusterRuns(func(o client.Object) string {
			return o.(*v1.MySQLBackup).Spec.ClusterName
		}))).
		Named("migrationrun").
		Complete(opmetrics.Reconciler("migrationrun", r))
}

// queueChanges passes the changes of a run that can change the plan of the other runs of its cluster: it became
// active (a Pod or a backup) or ended, or was deleted; a new run only under Replace (it supersedes the waiting
// ones). Under a burst of deliveries every run created would otherwise plan every waiting run again.
func (r *MigrationRunReconciler) queueChanges() predicate.Funcs {
	return predicate.Funcs{
		CreateFunc: func(e event.CreateEvent) bool { return r.replaces(e.Object) },
		UpdateFunc: func(e event.UpdateEvent) bool {
			before, okB := e.ObjectOld.(*v1.MigrationRun)
			after, okA := e.ObjectNew.(*v1.MigrationRun)
			return !okB || !okA || queueState(&before.Status) != queueState(&after.Status)
		},
	}
}

// queueState is what of a run's status the other runs' plans read: whether it holds the queue, and whether
// it is over.
func queueState(s *v1.MigrationRunStatus) [2]bool {
	return [2]bool{s.PodName != "" || s.BackupName != "", ended(s)}
}

// replaces reports whether a new run's hook has concurrencyPolicy Replace (or cannot be read: plan them all).
func (r *MigrationRunReconciler) replaces(o client.Object) bool {
	var hook v1.MigrationHook
	key := client.ObjectKey{Namespace: o.GetNamespace(), Name: o.GetLabels()[v1.LabelMigrationHook]}
	if err := r.Client.Get(context.Background(), key, &hook); err != nil {
		return true
	}
	return hook.Spec.ConcurrencyPolicy == v1.ConcurrencyReplace
}

// clusterRuns maps an object to the runs of the cluster cluster(object) names in its namespace.
func (r *MigrationRunReconciler) clusterRuns(cluster func(client.Object) string) handler.MapFunc {
	return func(ctx context.Context, o client.Object) []reconcile.Request {
		name := cluster(o)
		if name == "" {
			return nil
		}
		var runs v1.MigrationRunList
		if err := r.Client.List(ctx, &runs, client.InNamespace(o.GetNamespace()), client.UnsafeDisableDeepCopy,
			client.MatchingLabels{v1.LabelCluster: name}); err != nil {
			return nil
		}
		var out []reconcile.Request
		for _, run := range runs.Items {
			if !ended(&run.Status) {
				out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&run)})
			}
		}
		return out
	}
}

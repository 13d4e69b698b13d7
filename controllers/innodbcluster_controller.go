// Package controllers holds Orca's reconcilers. They apply Kubernetes objects and wake each cluster's loop;
// no SQL ever runs inside Reconcile.
package controllers

import (
	"context"
	"fmt"
	batchv1 "k8s.io/api/batch/v1"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/recorder"
	"sigs.k8s.io/controller-runtime/pkg/source"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/crddrift"
	"github.com/orca-operator/orca/internal/opmetrics"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/internal/tlsca"
)

// FieldOwner is the server-side apply field manager of every object Orca applies.
const FieldOwner = "orca"

// ClusterLoops is the per-cluster Group Replication loop, as the reconciler sees it.
type ClusterLoops interface {
	// Wake makes the cluster's loop observe and act now (starting it when needed).
	Wake(key types.NamespacedName)
	// Forget stops the cluster's loop and drops what it knows.
	Forget(key types.NamespacedName)
}

// InnoDBClusterReconciler applies an InnoDBCluster's Kubernetes objects and keeps its status.
type InnoDBClusterReconciler struct {
	client.Client
	// APIReader reads back a generated Secret another pass created a moment ago (not cached yet), and the
	// user's Secret when UserSecrets is nil.
	APIReader client.Reader
	// UserSecrets reads the Secret spec.secretName names from a watch on it by name: the cache holds only
	// Orca's own Secrets. Nil reads it from APIReader.
	UserSecrets UserSecrets
	// UserSecretEvents carries a cluster whose user Secret was created, changed or deleted; nil when none.
	UserSecretEvents <-chan event.GenericEvent
	Scheme           *runtime.Scheme
	Recorder         recorder.EventRecorder
	// OrcaImage runs `orca init` in every member pod and `orca router` in the router pods.
	OrcaImage string
	// ClusterZone is the cluster's DNS zone; cluster.local when empty.
	ClusterZone string
	// Loops receives a wake-up after every reconcile; nil until the clustering loop is wired.
	Loops ClusterLoops
	// Schema says how the installed InnoDBCluster CRD differs from the built one (condition
	// CRDSchemaCurrent); nil leaves the condition out.
	Schema SchemaDrift
	// DNSZone is the zone of the SRV records (docs/dns.md); members' certificates are valid for their names in
	// it. Empty: none.
	DNSZone string
	// TLSPolicy are the lifetimes of Orca's CA and member certificates; zero is tlsca.DefaultPolicy.
	TLSPolicy tlsca.Policy
	// Now is the clock certificates are issued and judged by; nil is time.Now.
	Now func() time.Time
}

// UserSecrets reads the user's Secrets by name (namedsecrets.Watcher).
type UserSecrets interface {
	// Get returns the Secret the cluster (user) reads; NotFound when it does not exist.
	Get(ctx context.Context, user, secret types.NamespacedName) (*corev1.Secret, error)
	// Release ends the cluster's interest in its Secret.
	Release(user types.NamespacedName)
}

// SchemaDrift is the CRD drift checker, as the reconciler sees it.
type SchemaDrift interface {
	// Drift returns the last comparison of the named CRD, and false before the first one.
	Drift(name string) (crddrift.Drift, bool)
}

// RBAC, least privilege: every verb below is used (docs/reconciler.md says by what, and test/rbac runs the
// operator under exactly this role and fails on any refusal or on a verb it never uses). Objects Orca applies
// with server-side apply need create and patch; nothing is updated with PUT except the cluster itself (its
// finalizer) and its status. Secrets are never deleted by Orca: delete is what the OwnerReferencesPermission-
// Enforcement admission plugin demands to change their owner references (adopt, release).
// +kubebuilder:rbac:groups=mysql.orca.dev,resources=innodbclusters,verbs=list;watch;update;patch
// +kubebuilder:rbac:groups=apiextensions.k8s.io,resources=customresourcedefinitions,verbs=get
// +kubebuilder:rbac:groups=mysql.orca.dev,resources=innodbclusters/status,verbs=update
// +kubebuilder:rbac:groups=mysql.orca.dev,resources=innodbclusters/finalizers,verbs=update
// +kubebuilder:rbac:groups=apps,resources=statefulsets,verbs=list;watch;create;patch
// +kubebuilder:rbac:groups=apps,resources=deployments,verbs=list;watch;create;patch;delete
// +kubebuilder:rbac:groups="",resources=configmaps,verbs=list;watch;create;patch
// +kubebuilder:rbac:groups="",resources=services,verbs=list;watch;create;patch;delete
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups="",resources=pods,verbs=list;watch;patch;delete
// +kubebuilder:rbac:groups="",resources=pods/status,verbs=patch
// +kubebuilder:rbac:groups="",resources=nodes,verbs=list;watch
// +kubebuilder:rbac:groups="",resources=persistentvolumeclaims,verbs=list;watch;patch;delete
// +kubebuilder:rbac:groups=policy,resources=poddisruptionbudgets,verbs=list;watch;create;patch;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// conflictRetry is how soon a reconcile that lost an update race runs again.
const conflictRetry = 100 * time.Millisecond

// Reconcile converges one InnoDBCluster's objects from whatever state it finds them in. A conflict (another
// writer updated an object first) is routine: the request is queued again without an error log.
func (r *InnoDBClusterReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	logger := log.FromContext(ctx).WithValues("cluster", req.NamespacedName)
	ctx = log.IntoContext(ctx, logger)
	res, err := r.reconcile(ctx, req)
	if apierrors.IsConflict(err) {
		logger.V(1).Info("conflict, queued again", "reason", err.Error())
		return ctrl.Result{RequeueAfter: conflictRetry}, nil
	}
	return res, err
}

func (r *InnoDBClusterReconciler) reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {

	var cluster v1.InnoDBCluster
	if err := r.Get(ctx, req.NamespacedName, &cluster); err != nil {
		if apierrors.IsNotFound(err) {
			r.forget(req.NamespacedName)
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, fmt.Errorf("get cluster: %w", err)
	}
	if !cluster.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.finalize(ctx, &cluster)
	}
	if controllerutil.AddFinalizer(&cluster, v1.Finalizer) {
		if err := r.Update(ctx, &cluster); err != nil {
			return ctrl.Result{}, fmt.Errorf("add finalizer: %w", err)
		}
	}
	desired := cluster.DeepCopy()
	desired.SetDefaults()

	res, err := r.applyAll(ctx, desired)
	if statusErr := r.writeStatus(ctx, desired, err); statusErr != nil && err == nil {
		err = statusErr
	}
	if err != nil {
		return ctrl.Result{}, err
	}
	if wait, err := r.reconcileInitDB(ctx, desired); err != nil {
		return ctrl.Result{}, err
	} else if wait && (res.RequeueAfter == 0 || res.RequeueAfter > pendingRetry) {
		res.RequeueAfter = pendingRetry // the sooner of the two: a later TLS re-read must not delay the restore
	}
	if r.Loops != nil {
		r.Loops.Wake(req.NamespacedName)
	}
	return res, nil
}

// applyAll applies every object in dependency order: credentials before the pods that read them, config
// before the StatefulSet that mounts it, the members before the routers that lead to them.
func (r *InnoDBClusterReconciler) applyAll(ctx context.Context, c *v1.InnoDBCluster) (ctrl.Result, error) {
	// A missing or invalid Secret is retried with the controller's backoff, and at once when the Secret
	// appears or changes (it is watched).
	internal, err := r.ensureSecrets(ctx, c)
	if err != nil {
		return ctrl.Result{}, err
	}
	tlsOut, err := r.ensureTLS(ctx, c)
	if statusErr := r.writeTLSCondition(ctx, c, tlsOut, err); err == nil && statusErr != nil {
		err = statusErr
	}
	if err != nil {
		return ctrl.Result{RequeueAfter: 30 * time.Second}, err
	}
	hash, err := r.applyConfig(ctx, c, string(internal.Data[specs.KeyGroupName]), tlsOut.groupSSLMode)
	if err != nil {
		return ctrl.Result{}, err
	}
	if err := r.applyServices(ctx, c); err != nil {
		return ctrl.Result{}, err
	}
	if err := r.applyStatefulSet(ctx, c, hash, tlsOut.hash); err != nil {
		return ctrl.Result{}, err
	}
	if err := r.applyPDB(ctx, c); err != nil {
		return ctrl.Result{}, err
	}
	if err := r.applyRouter(ctx, c, internal, tlsOut.trust); err != nil {
		return ctrl.Result{}, err
	}
	if err := r.applyArchiver(ctx, c); err != nil {
		return ctrl.Result{}, err
	}
	if err := r.expandVolumes(ctx, c); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{RequeueAfter: tlsRequeue(tlsOut, r.now())}, nil
}

func podToCluster(_ context.Context, obj client.Object) []reconcile.Request {
	labels := obj.GetLabels()
	name, ok := labels[v1.LabelCluster]
	if !ok || labels[v1.LabelComponent] != v1.ComponentMySQL {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: obj.GetNamespace(), Name: name}}}
}

func (r *InnoDBClusterReconciler) forget(key types.NamespacedName) {
	if r.Loops != nil {
		r.Loops.Forget(key)
	}
	if r.UserSecrets != nil {
		r.UserSecrets.Release(key)
	}
}

// SetupWithManager registers the reconciler and the objects it owns.
func (r *InnoDBClusterReconciler) SetupWithManager(mgr ctrl.Manager) error {
	b := ctrl.NewControllerManagedBy(mgr).
		// The loop's status writes start no reconcile (nothing here reads them), except the one that lets a
		// scale-down shrink the StatefulSet.
		For(&v1.InnoDBCluster{}, builder.WithPredicates(clusterChanged())).
		Owns(&appsv1.StatefulSet{}).
		// The router Deployment's status (its Ready pods) is RouterReady and decides where <name> leads.
		Owns(&appsv1.Deployment{}).
		Owns(&corev1.Service{}).
		Owns(&corev1.ConfigMap{}).
		Owns(&corev1.Secret{}).
		Owns(&policyv1.PodDisruptionBudget{}).
		// The spec.initDB restore Job's outcome moves status.initDB on.
		Owns(&batchv1.Job{}).
		// A member pod that starts, stops or changes wakes its cluster's loop through a reconcile.
		Watches(&corev1.Pod{}, handler.EnqueueRequestsFromMapFunc(podToCluster)).
		Named("innodbcluster")
	if r.UserSecretEvents != nil {
		b = b.WatchesRawSource(source.Channel(r.UserSecretEvents, &handler.EnqueueRequestForObject{}))
	}
	return b.Complete(opmetrics.Reconciler("innodbcluster", r))
}

package dnsfeed

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-logr/logr"
	"github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/clustering"
	"github.com/orca-operator/orca/dnssrv"
	"github.com/orca-operator/orca/internal/specs"
)

// StatusReconciler turns each cluster's status and member pods into records, on every replica (it needs
// no leader election: it only reads).
type StatusReconciler struct {
	Client      client.Reader
	Store       *dnssrv.Store
	ClusterZone string
}

// SetupWithManager watches clusters and their member pods (for IPs).
func (r *StatusReconciler) SetupWithManager(mgr ctrl.Manager) error {
	err := ctrl.NewControllerManagedBy(mgr).Named("dns-records").
		For(&v1.InnoDBCluster{}).
		Watches(&corev1.Pod{}, handler.EnqueueRequestsFromMapFunc(podCluster)).
		WithOptions(controller.Options{NeedLeaderElection: ptr.To(false)}).
		Complete(r)
	if err != nil {
		return fmt.Errorf("set up dns records controller: %w", err)
	}
	return nil
}

func podCluster(_ context.Context, o client.Object) []reconcile.Request {
	l := o.GetLabels()
	if l[v1.LabelComponent] != v1.ComponentMySQL || l[v1.LabelCluster] == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(),
		Name: l[v1.LabelCluster]}}}
}

// Reconcile records the cluster's current status, or forgets a deleted cluster.
func (r *StatusReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	var c v1.InnoDBCluster
	if err := r.Client.Get(ctx, req.NamespacedName, &c); err != nil {
		if apierrors.IsNotFound(err) {
			return reconcile.Result{}, r.Store.Forget(req.Namespace, req.Name)
		}
		return reconcile.Result{}, fmt.Errorf("get cluster: %w", err)
	}
	if !c.DeletionTimestamp.IsZero() {
		return reconcile.Result{}, r.Store.Forget(req.Namespace, req.Name)
	}
	var pods corev1.PodList
	if err := r.Client.List(ctx, &pods, client.InNamespace(c.Namespace),
		client.MatchingLabels(specs.SelectorLabels(&c))); err != nil {
		return reconcile.Result{}, fmt.Errorf("list pods: %w", err)
	}
	return reconcile.Result{}, r.Store.Observe(FromStatus(&c, pods.Items, r.ClusterZone), dnssrv.FromStatus)
}

// LoopSink is the cluster loops' clustering.ObservationSink: each pass's members go to the Store at once.
type LoopSink struct {
	Store *dnssrv.Store
	Log   logr.Logger
}

var _ clustering.ObservationSink = LoopSink{}

// Observed records the pass's members.
func (s LoopSink) Observed(key types.NamespacedName, members []clustering.ObservedMember) {
	if err := s.Store.Observe(FromLoop(key, members), dnssrv.FromLoop); err != nil {
		s.Log.Error(err, "update dns records", "cluster", key.String())
	}
}

// Server runs a dnssrv.Server as a manager Runnable on every replica.
type Server struct {
	DNS *dnssrv.Server
	// TransferKeySecret, when set, names the TSIG key Secret (keyName, secret) allowed to transfer the zone
	// (AXFR/IXFR). It is read once at start: a missing or incomplete Secret stops the operator with the reason,
	// rather than serving with transfers silently refused.
	TransferKeySecret types.NamespacedName
	// APIReader reads that Secret.
	APIReader client.Reader
}

// NeedLeaderElection is false: every replica answers.
func (s Server) NeedLeaderElection() bool { return false }

// Start serves until ctx ends.
func (s Server) Start(ctx context.Context) error {
	if s.TransferKeySecret.Name != "" {
		name, secret, err := readTSIGKey(ctx, s.APIReader, s.TransferKeySecret)
		if err != nil {
			return fmt.Errorf("dns zone transfers: %w", err)
		}
		s.DNS.TransferKeys = map[string]string{dns.Fqdn(strings.ToLower(name)): secret}
	}
	errs := make(chan error, 1)
	go func() { errs <- s.DNS.ListenAndServe() }()
	select {
	case err := <-errs:
		return fmt.Errorf("serve dns: %w", err)
	case <-ctx.Done():
	}
	if err := s.DNS.Shutdown(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	if err := <-errs; err != nil && !errors.Is(err, dnssrv.ErrServerClosed) {
		return fmt.Errorf("serve dns: %w", err)
	}
	return nil
}

package controllers

import (
	"context"
	"fmt"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/events"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/internal/tlsca"
)

// applyRouter applies the router Deployment and its budget while a router is asked for, and deletes them and
// <name>-ro once it is not (spec.router removed or instances 0). internal is the internal Secret the pods read
// the router account from.
func (r *InnoDBClusterReconciler) applyRouter(ctx context.Context, c *v1.InnoDBCluster, internal *corev1.Secret,
	trust tlsca.Trust) error {
	if !c.RouterEnabled() {
		return r.deleteRouter(ctx, c)
	}
	dep := specs.RouterDeployment(c, specs.RouterOptions{OrcaImage: r.OrcaImage, ClusterZone: r.ClusterZone,
		CredentialsFingerprint: specs.RouterCredentialsFingerprint(internal), TrustFingerprint: trust.Fingerprint(),
		TLSServerName: trust.ServerName})
	if err := r.apply(ctx, c, dep); err != nil {
		return err
	}
	return r.apply(ctx, c, specs.RouterPodDisruptionBudget(c))
}

// deleteRouter deletes the router's objects that the cache shows and the cluster controls. Reading the cache
// first keeps a cluster without a router from sending deletes on every pass; an object created a moment ago
// and not cached yet is deleted on the pass its creation event starts.
func (r *InnoDBClusterReconciler) deleteRouter(ctx context.Context, c *v1.InnoDBCluster) error {
	stale := []client.Object{&appsv1.Deployment{}, &policyv1.PodDisruptionBudget{}, &corev1.Service{}}
	names := []string{specs.RouterName(c), specs.RouterName(c), specs.ReadOnlyServiceName(c)}
	for i, obj := range stale {
		if err := r.deleteOwned(ctx, c, names[i], obj); err != nil {
			return err
		}
	}
	return nil
}

func (r *InnoDBClusterReconciler) deleteOwned(ctx context.Context, c *v1.InnoDBCluster, name string,
	obj client.Object) error {
	switch err := r.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: name}, obj); {
	case apierrors.IsNotFound(err):
		return nil
	case err != nil:
		return fmt.Errorf("get %s: %w", name, err)
	}
	if !metav1.IsControlledBy(obj, c) {
		return nil
	}
	uid := obj.GetUID()
	err := r.Delete(ctx, obj, client.Preconditions{UID: &uid})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	return nil
}

// routerDeployment is the router Deployment as the cache holds it, or nil.
func (r *InnoDBClusterReconciler) routerDeployment(ctx context.Context, c *v1.InnoDBCluster) (*appsv1.Deployment,
	error) {
	var dep appsv1.Deployment
	switch err := r.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: specs.RouterName(c)}, &dep); {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("get router deployment: %w", err)
	}
	return &dep, nil
}

// clientViaRouter decides whether <name> leads to the routers: once a router is asked for and one of its pods
// is Ready, and from then on (the Service already selects them) until no router is asked for. Enabling a router
// on a running cluster thus never leaves <name> without endpoints while the first router starts, and a moment
// with no router Ready does not send clients back and forth.
func (r *InnoDBClusterReconciler) clientViaRouter(ctx context.Context, c *v1.InnoDBCluster) (bool, error) {
	if !c.RouterEnabled() {
		return false, nil
	}
	dep, err := r.routerDeployment(ctx, c)
	if err != nil {
		return false, err
	}
	if dep != nil && dep.Status.ReadyReplicas > 0 {
		return true, nil
	}
	var svc corev1.Service
	switch err := r.Get(ctx, client.ObjectKey{Namespace: c.Namespace, Name: specs.ClientServiceName(c)}, &svc); {
	case apierrors.IsNotFound(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("get service %s: %w", specs.ClientServiceName(c), err)
	}
	return specs.SelectsRouters(&svc), nil
}

// routerReport is what the reconciler publishes about the routers: status.router and RouterReady.
type routerReport struct {
	status  *v1.RouterStatus
	ready   metav1.ConditionStatus
	reason  v1.ConditionReason
	message string
}

// reportRouter builds the report from the Deployment (nil when it does not exist yet).
func reportRouter(c *v1.InnoDBCluster, dep *appsv1.Deployment) routerReport {
	want := c.RouterInstances()
	if want == 0 {
		return routerReport{ready: metav1.ConditionTrue, reason: v1.ReasonRouterNotRequested,
			message: "no router is asked for; " + specs.ClientServiceName(c) + " selects the primary"}
	}
	var ready int32
	if dep != nil {
		ready = dep.Status.ReadyReplicas
	}
	rep := routerReport{status: &v1.RouterStatus{ReadyReplicas: ready,
		ReadWriteService: specs.ClientServiceName(c), ReadOnlyService: specs.ReadOnlyServiceName(c)}}
	rep.message = fmt.Sprintf("%d of %d router pods ready", ready, want)
	if ready >= want {
		rep.ready, rep.reason = metav1.ConditionTrue, v1.ReasonRoutersReady
	} else {
		rep.ready, rep.reason = metav1.ConditionFalse, v1.ReasonRoutersNotReady
	}
	return rep
}

// addRouterKeys gives an internal Secret made before the router existed the router account's keys, once: a
// merge patch that adds only the missing keys, guarded by the resourceVersion read, so no key the Secret has is
// ever rewritten. The cluster loop then sees the credentials change and creates the account.
func (r *InnoDBClusterReconciler) addRouterKeys(ctx context.Context, c *v1.InnoDBCluster, s *corev1.Secret) error {
	missing, err := specs.MissingRouterKeys(s)
	if err != nil || len(missing) == 0 {
		return err
	}
	patch := client.MergeFromWithOptions(s.DeepCopy(), client.MergeFromWithOptimisticLock{})
	if s.Data == nil {
		s.Data = map[string][]byte{}
	}
	added := make([]string, 0, len(missing))
	for k, v := range missing {
		s.Data[k] = []byte(v)
		added = append(added, k)
	}
	sort.Strings(added)
	if err := r.Patch(ctx, s, patch); err != nil {
		return fmt.Errorf("add %s to secret %s: %w", strings.Join(added, ", "), s.Name, err)
	}
	emit(r.Recorder, c, events.SecretKeysAdded, "added %s to secret %s for the router account; its other keys are "+
		"unchanged", strings.Join(added, ", "), s.Name)
	return nil
}

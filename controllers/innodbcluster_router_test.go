package controllers

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
)

func routerCluster(ns string, routers int32) *v1.InnoDBCluster {
	c := newCluster(ns, "db")
	c.Spec.Router = &v1.RouterSpec{Instances: ptr.To(routers)}
	return c
}

// setRouterReady plays the Deployment controller (envtest runs none): ready router pods.
func setRouterReady(t *testing.T, ns string, ready int32) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var dep appsv1.Deployment
		if err := k8s.Get(context.Background(), key(ns, "db-router"), &dep); err != nil {
			return err
		}
		dep.Status.ObservedGeneration = dep.Generation
		dep.Status.Replicas, dep.Status.UpdatedReplicas = ready, ready
		dep.Status.ReadyReplicas, dep.Status.AvailableReplicas = ready, ready
		return k8s.Status().Update(context.Background(), &dep)
	})
	if err != nil {
		t.Fatalf("set router deployment status: %v", err)
	}
}

// clientSelects reports what the Service <name> selects: "router" or the member role it selects.
func clientSelects(ns string) (string, error) {
	var svc corev1.Service
	if err := k8s.Get(context.Background(), key(ns, "db"), &svc); err != nil {
		return "", err
	}
	if specs.SelectsRouters(&svc) {
		return "router", nil
	}
	return svc.Spec.Selector[v1.LabelRole], nil
}

func waitClientSelects(t *testing.T, ns, want string) {
	t.Helper()
	eventually(t, wait, func() error {
		got, err := clientSelects(ns)
		if err != nil || got != want {
			return fmt.Errorf("service db selects %q, want %q: %w", got, want, err)
		}
		return nil
	})
}

// waitRouterStatus waits for RouterReady with the reason and for status.router's ready count (nil: no router).
func waitRouterStatus(t *testing.T, ns string, reason v1.ConditionReason, ready *int32) {
	t.Helper()
	eventually(t, wait, func() error {
		var c v1.InnoDBCluster
		if err := k8s.Get(context.Background(), key(ns, "db"), &c); err != nil {
			return err
		}
		cond := meta.FindStatusCondition(c.Status.Conditions, string(v1.ConditionRouterReady))
		if cond == nil || cond.Reason != string(reason) || cond.ObservedGeneration != c.Generation {
			return fmt.Errorf("RouterReady %+v, want reason %s", cond, reason)
		}
		wantStatus := metav1.ConditionFalse
		if reason != v1.ReasonRoutersNotReady {
			wantStatus = metav1.ConditionTrue
		}
		if cond.Status != wantStatus {
			return fmt.Errorf("RouterReady %s, want %s", cond.Status, wantStatus)
		}
		switch r := c.Status.Router; {
		case ready == nil && r != nil:
			return fmt.Errorf("status.router %+v without a router", r)
		case ready != nil && (r == nil || r.ReadyReplicas != *ready || r.ReadWriteService != "db" ||
			r.ReadOnlyService != "db-ro"):
			return fmt.Errorf("status.router %+v, want %d ready", r, *ready)
		}
		return nil
	})
}

func TestRouterObjectsAreApplied(t *testing.T) {
	ns := newNamespace(t)
	c := routerCluster(ns, 2)
	c.Spec.Router.PodLabels = map[string]string{"team": "payments"}
	c.Spec.Router.PriorityClassName = "high"
	createCluster(t, c)

	dep := get(t, key(ns, "db-router"), &appsv1.Deployment{})
	if err := ownedBy(dep, c); err != nil {
		t.Error(err)
	}
	pod := dep.Spec.Template
	ctr := pod.Spec.Containers[0]
	if *dep.Spec.Replicas != 2 || ctr.Image != "orca:test" || pod.Labels["team"] != "payments" ||
		pod.Spec.PriorityClassName != "high" || pod.Labels[v1.LabelComponent] != v1.ComponentRouter {
		t.Errorf("deployment replicas %d image %s labels %v", *dep.Spec.Replicas, ctr.Image, pod.Labels)
	}
	if got := strings.Join(ctr.Command, " "); got != strings.Join(specs.RouterCommand(c, ""), " ") ||
		!strings.Contains(got, "db-2.db-instances."+ns+".svc.cluster.local:3306 --cluster db --namespace "+ns) {
		t.Errorf("command %s", got)
	}
	if pod.Annotations[v1.AnnotationRouterHash] == "" || *pod.Spec.SecurityContext.RunAsNonRoot != true {
		t.Errorf("template %+v", pod.ObjectMeta)
	}
	pdb := get(t, key(ns, "db-router"), &policyv1.PodDisruptionBudget{})
	if err := ownedBy(pdb, c); err != nil || pdb.Spec.MaxUnavailable.IntValue() != 1 {
		t.Errorf("router budget maxUnavailable %v: %v", pdb.Spec.MaxUnavailable, err)
	}
	ro := get(t, key(ns, "db-ro"), &corev1.Service{})
	if err := ownedBy(ro, c); err != nil || !specs.SelectsRouters(ro) || ro.Spec.Ports[0].TargetPort.IntValue() != 6447 {
		t.Errorf("db-ro %+v: %v", ro.Spec, err)
	}
	// No router is Ready yet: <name> keeps selecting the primary, and RouterReady says why it is False.
	waitRouterStatus(t, ns, v1.ReasonRoutersNotReady, ptr.To[int32](0))
	waitClientSelects(t, ns, v1.RolePrimary)
	var got v1.InnoDBCluster
	get(t, key(ns, "db"), &got)
	if cond := meta.FindStatusCondition(got.Status.Conditions, string(v1.ConditionRouterReady)); cond.Message !=
		"0 of 2 router pods ready" {
		t.Errorf("RouterReady message %q", cond.Message)
	}
}

// <name> moves to the routers once one is Ready and stays with them (no flapping when none is Ready for a
// moment); scaling changes the Deployment; instances 0 and then removing the router object delete the router's
// objects and send <name> back to the primary.
func TestRouterServicesSwitchScaleAndDelete(t *testing.T) {
	ns := newNamespace(t)
	createCluster(t, routerCluster(ns, 2))
	get(t, key(ns, "db-router"), &appsv1.Deployment{})
	setRouterReady(t, ns, 1)
	waitClientSelects(t, ns, "router")
	waitRouterStatus(t, ns, v1.ReasonRoutersNotReady, ptr.To[int32](1))
	svc := get(t, key(ns, "db"), &corev1.Service{})
	if len(svc.Spec.Ports) != 6 || svc.Spec.Ports[0].Port != 3306 || svc.Spec.Ports[0].TargetPort.IntValue() != 6446 {
		t.Errorf("db ports %+v", svc.Spec.Ports)
	}
	setRouterReady(t, ns, 2)
	waitRouterStatus(t, ns, v1.ReasonRoutersReady, ptr.To[int32](2))
	setRouterReady(t, ns, 0)
	waitRouterStatus(t, ns, v1.ReasonRoutersNotReady, ptr.To[int32](0))
	if got, err := clientSelects(ns); err != nil || got != "router" {
		t.Fatalf("db went back to %q with no router Ready: %v", got, err)
	}

	if err := update(t, key(ns, "db"), func(c *v1.InnoDBCluster) { c.Spec.Router.Instances = ptr.To[int32](3) }); err != nil {
		t.Fatal(err)
	}
	eventually(t, wait, func() error {
		dep := get(t, key(ns, "db-router"), &appsv1.Deployment{})
		if *dep.Spec.Replicas != 3 {
			return fmt.Errorf("router replicas %d, want 3", *dep.Spec.Replicas)
		}
		return nil
	})

	for _, disable := range []func(*v1.InnoDBCluster){
		func(c *v1.InnoDBCluster) { c.Spec.Router.Instances = ptr.To[int32](0) },
		func(c *v1.InnoDBCluster) { c.Spec.Router = nil },
	} {
		if err := update(t, key(ns, "db"), disable); err != nil {
			t.Fatal(err)
		}
		waitRouterGone(t, ns)
		waitClientSelects(t, ns, v1.RolePrimary)
		waitRouterStatus(t, ns, v1.ReasonRouterNotRequested, nil)
		// Enable again for the next way of disabling.
		if err := update(t, key(ns, "db"), func(c *v1.InnoDBCluster) { c.Spec.Router = &v1.RouterSpec{} }); err != nil {
			t.Fatal(err)
		}
		if dep := get(t, key(ns, "db-router"), &appsv1.Deployment{}); *dep.Spec.Replicas != 2 {
			t.Fatalf("a router object without instances runs %d routers, want 2", *dep.Spec.Replicas)
		}
	}
}

func waitRouterGone(t *testing.T, ns string) {
	t.Helper()
	eventually(t, wait, func() error {
		for name, obj := range map[string]client.Object{"db-router": &appsv1.Deployment{},
			"db-ro": &corev1.Service{}} {
			if err := k8s.Get(context.Background(), key(ns, name), obj); !apierrors.IsNotFound(err) {
				return fmt.Errorf("%T %s still there: %w", obj, name, err)
			}
		}
		err := k8s.Get(context.Background(), key(ns, "db-router"), &policyv1.PodDisruptionBudget{})
		if !apierrors.IsNotFound(err) {
			return fmt.Errorf("router budget still there: %w", err)
		}
		return nil
	})
}

// With a router running, a reconcile changes nothing either.
func TestRouterReconcileIsIdempotent(t *testing.T) {
	ns := newNamespace(t)
	createCluster(t, routerCluster(ns, 2))
	get(t, key(ns, "db-router"), &appsv1.Deployment{})
	setRouterReady(t, ns, 2)
	waitClientSelects(t, ns, "router")
	waitRouterStatus(t, ns, v1.ReasonRoutersReady, ptr.To[int32](2))
	objs := map[string]client.Object{"deployment": &appsv1.Deployment{}, "budget": &policyv1.PodDisruptionBudget{},
		"db": &corev1.Service{}, "db-ro": &corev1.Service{}, "secret": &corev1.Secret{}, "cluster": &v1.InnoDBCluster{}}
	names := map[string]string{"deployment": "db-router", "budget": "db-router", "db": "db", "db-ro": "db-ro",
		"secret": "db-internal", "cluster": "db"}
	versions := func() map[string]string {
		out := map[string]string{}
		for what, o := range objs {
			out[what] = get(t, key(ns, names[what]), o).GetResourceVersion()
		}
		return out
	}
	eventually(t, wait, func() error {
		before := versions()
		for range 2 {
			if _, err := reconciler.Reconcile(context.Background(), ctrl.Request{NamespacedName: key(ns, "db")}); err != nil {
				return err
			}
		}
		if after := versions(); !reflect.DeepEqual(before, after) {
			return fmt.Errorf("resource versions changed: %v -> %v", before, after)
		}
		return nil
	})
}

// A changed router password (the pods read it from the Secret at start) rolls the routers through the pod
// template's hash.
func TestRouterPasswordChangeRollsTheRouters(t *testing.T) {
	ns := newNamespace(t)
	createCluster(t, routerCluster(ns, 2))
	before := get(t, key(ns, "db-router"), &appsv1.Deployment{}).Spec.Template.Annotations[v1.AnnotationRouterHash]
	internal := get(t, key(ns, "db-internal"), &corev1.Secret{})
	patch := client.MergeFrom(internal.DeepCopy())
	internal.Data[specs.KeyRouterPassword] = []byte("a-rotated-password")
	if err := k8s.Patch(context.Background(), internal, patch); err != nil {
		t.Fatal(err)
	}
	eventually(t, wait, func() error {
		dep := get(t, key(ns, "db-router"), &appsv1.Deployment{})
		if h := dep.Spec.Template.Annotations[v1.AnnotationRouterHash]; h == before {
			return fmt.Errorf("router hash still %s", h)
		}
		return nil
	})
}

// An internal Secret made before the router existed gains the router account's keys once, every other key as it
// was; the event says so, and later passes change nothing.
func TestInternalSecretGainsRouterKeysOnce(t *testing.T) {
	ns := newNamespace(t)
	old := map[string][]byte{specs.KeyAdminUser: []byte("orca_admin"), specs.KeyAdminPassword: []byte("admin-pw"),
		specs.KeyReplicationUser: []byte("orca_repl"), specs.KeyReplicationPassword: []byte("repl-pw"),
		specs.KeyGroupName: []byte("8a94f357-aab4-11df-86ab-c80aa9429562")}
	pre := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "db-internal",
		Labels: map[string]string{v1.LabelManagedBy: v1.ManagedByOrca, v1.LabelCluster: "db"}}, Data: old}
	if err := k8s.Create(context.Background(), pre); err != nil {
		t.Fatal(err)
	}
	c := createCluster(t, newCluster(ns, "db"))
	var s corev1.Secret
	eventually(t, wait, func() error {
		if err := k8s.Get(context.Background(), key(ns, "db-internal"), &s); err != nil {
			return err
		}
		if len(s.Data[specs.KeyRouterPassword]) != 32 || string(s.Data[specs.KeyRouterUser]) != "orca_router" {
			return fmt.Errorf("router keys not added: %v", keys(s.Data))
		}
		return ownedBy(&s, c)
	})
	for k, v := range old {
		if string(s.Data[k]) != string(v) {
			t.Errorf("key %s rewritten: %q -> %q", k, v, s.Data[k])
		}
	}
	waitEvent(t, ns, "SecretKeysAdded")
	for range 2 {
		if _, err := reconciler.Reconcile(context.Background(), reconcileRequest(ns)); err != nil {
			t.Fatal(err)
		}
	}
	again := get(t, key(ns, "db-internal"), &corev1.Secret{})
	if again.ResourceVersion != s.ResourceVersion ||
		string(again.Data[specs.KeyRouterPassword]) != string(s.Data[specs.KeyRouterPassword]) {
		t.Fatal("the router keys were written again")
	}
}

// A new cluster's internal Secret has the router keys from the start: nothing is added to it.
func TestNewInternalSecretNeedsNoRouterKeys(t *testing.T) {
	ns := newNamespace(t)
	createCluster(t, newCluster(ns, "db"))
	waitEvent(t, ns, "SecretGenerated")
	waitRouterStatus(t, ns, v1.ReasonRouterNotRequested, nil)
	var list corev1.EventList
	if err := k8s.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	for _, e := range list.Items {
		if e.Reason == "SecretKeysAdded" {
			t.Fatalf("keys added to a new Secret: %s", e.Message)
		}
	}
	if err := k8s.Get(context.Background(), key(ns, "db-ro"), &corev1.Service{}); !apierrors.IsNotFound(err) {
		t.Fatalf("db-ro exists without a router: %v", err)
	}
}

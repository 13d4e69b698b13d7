package controllers

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
)

const wait = 20 * time.Second

func newCluster(ns, name string) *v1.InnoDBCluster {
	return &v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
}

func key(ns, name string) types.NamespacedName {
	return types.NamespacedName{Namespace: ns, Name: name}
}

func get[T client.Object](t *testing.T, k types.NamespacedName, obj T) T {
	t.Helper()
	eventually(t, wait, func() error { return k8s.Get(context.Background(), k, obj) })
	return obj
}

func ownedBy(obj client.Object, owner client.Object) error {
	for _, ref := range obj.GetOwnerReferences() {
		if ref.UID == owner.GetUID() && ref.Controller != nil && *ref.Controller {
			return nil
		}
	}
	return fmt.Errorf("%s is not controlled by %s", obj.GetName(), owner.GetName())
}

func createCluster(t *testing.T, c *v1.InnoDBCluster) *v1.InnoDBCluster {
	t.Helper()
	if err := k8s.Create(context.Background(), c); err != nil {
		t.Fatalf("create cluster: %v", err)
	}
	return c
}

func TestCreateAppliesEveryObject(t *testing.T) {
	ns := newNamespace(t)
	c := createCluster(t, newCluster(ns, "db"))
	if c.Spec.Instances != 3 || c.Spec.Version != v1.DefaultVersion || c.Spec.BaseServerID != 1000 {
		t.Fatalf("CRD defaults not applied: %+v", c.Spec)
	}

	creds := get(t, key(ns, "db-credentials"), &corev1.Secret{})
	if len(creds.Data["rootPassword"]) != 32 || string(creds.Data["rootUser"]) != "root" {
		t.Fatalf("generated credentials: keys %v", keys(creds.Data))
	}
	internal := get(t, key(ns, "db-internal"), &corev1.Secret{})
	group := string(internal.Data[specs.KeyGroupName])
	if len(group) != 36 || len(internal.Data[specs.KeyReplicationPassword]) != 32 {
		t.Fatalf("internal secret: group %q keys %v", group, keys(internal.Data))
	}

	cm := get(t, key(ns, "db-mycnf"), &corev1.ConfigMap{})
	for _, want := range []string{"gtid_mode=ON", "enforce_gtid_consistency=ON", "mysqlx_port=33060",
		"\nloose_group_replication_group_name=" + group, "plugin_load_add=group_replication.so",
		"\nloose_group_replication_communication_stack=MYSQL\n"} {
		if !strings.Contains(cm.Data["my.cnf"], want) {
			t.Errorf("my.cnf lacks %q", want)
		}
	}

	headless := get(t, key(ns, "db-instances"), &corev1.Service{})
	if headless.Spec.ClusterIP != corev1.ClusterIPNone || !headless.Spec.PublishNotReadyAddresses {
		t.Errorf("headless service: clusterIP %q publishNotReady %v", headless.Spec.ClusterIP, headless.Spec.PublishNotReadyAddresses)
	}
	for name, role := range map[string]string{"db": "primary", "db-primary": "primary", "db-replicas": "secondary"} {
		svc := get(t, key(ns, name), &corev1.Service{})
		if svc.Spec.Selector[v1.LabelRole] != role || svc.Spec.Selector[v1.LabelCluster] != "db" {
			t.Errorf("service %s selector %v, want role %s", name, svc.Spec.Selector, role)
		}
		if err := ownedBy(svc, c); err != nil {
			t.Error(err)
		}
	}

	sts := get(t, key(ns, "db"), &appsv1.StatefulSet{})
	checkStatefulSet(t, sts, 3)
	pdb := get(t, key(ns, "db-pdb"), &policyv1.PodDisruptionBudget{})
	if pdb.Spec.MaxUnavailable.IntValue() != 1 || pdb.Spec.MinAvailable != nil {
		t.Errorf("pdb %+v, want maxUnavailable 1", pdb.Spec)
	}
	for _, obj := range []client.Object{creds, internal, cm, headless, sts, pdb} {
		if err := ownedBy(obj, c); err != nil {
			t.Error(err)
		}
	}

	eventually(t, wait, func() error {
		var got v1.InnoDBCluster
		if err := k8s.Get(context.Background(), key(ns, "db"), &got); err != nil {
			return err
		}
		if len(got.Finalizers) != 1 || got.Finalizers[0] != v1.Finalizer {
			return fmt.Errorf("finalizers %v", got.Finalizers)
		}
		rr := meta.FindStatusCondition(got.Status.Conditions, string(v1.ConditionResourcesReady))
		ready := meta.FindStatusCondition(got.Status.Conditions, string(v1.ConditionReady))
		if rr == nil || rr.Reason != string(v1.ReasonPodsNotReady) || ready == nil || ready.Status != metav1.ConditionFalse {
			return fmt.Errorf("conditions %+v", got.Status.Conditions)
		}
		if got.Status.ClusterState != v1.ClusterStatePending || got.Status.ObservedGeneration != got.Generation {
			return fmt.Errorf("status %+v", got.Status)
		}
		return nil
	})
	// The loop is woken right after the status write the wait above saw.
	eventually(t, wait, func() error {
		if woken, _ := loops.counts(key(ns, "db")); woken == 0 {
			return fmt.Errorf("the cluster loop was never woken")
		}
		return nil
	})
}

func checkStatefulSet(t *testing.T, sts *appsv1.StatefulSet, replicas int32) {
	t.Helper()
	s := sts.Spec
	if *s.Replicas != replicas || s.ServiceName != "db-instances" {
		t.Errorf("replicas %d service %q", *s.Replicas, s.ServiceName)
	}
	if s.UpdateStrategy.Type != appsv1.OnDeleteStatefulSetStrategyType || s.PodManagementPolicy != appsv1.ParallelPodManagement {
		t.Errorf("update strategy %q pod management %q", s.UpdateStrategy.Type, s.PodManagementPolicy)
	}
	pod := s.Template.Spec
	if len(pod.ReadinessGates) != 1 || pod.ReadinessGates[0].ConditionType != specs.ReadinessGateOnline {
		t.Errorf("readiness gates %v", pod.ReadinessGates)
	}
	mysql := pod.Containers[0]
	// The classic and X ports only: the MYSQL communication stack needs no Group Replication port.
	if mysql.Image != "mysql:"+v1.DefaultVersion || len(mysql.Ports) != 2 {
		t.Errorf("mysql container image %q ports %v", mysql.Image, mysql.Ports)
	}
	if mysql.LivenessProbe == nil || mysql.LivenessProbe.Exec == nil || mysql.LivenessProbe.Exec.Command[0] != "mysqladmin" {
		t.Errorf("liveness probe %+v must only check the process", mysql.LivenessProbe)
	}
	init := pod.InitContainers[0]
	if init.Image != "orca:test" || !strings.Contains(strings.Join(init.Command, " "), "--base-server-id 1000") {
		t.Errorf("init container %q %v", init.Image, init.Command)
	}
	if s.Template.Annotations[v1.AnnotationConfigHash] == "" {
		t.Error("pod template lacks the config hash")
	}
	if s.VolumeClaimTemplates[0].Spec.Resources.Requests.Storage().String() != "2Gi" {
		t.Errorf("storage %v", s.VolumeClaimTemplates[0].Spec.Resources.Requests)
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestReconcileIsIdempotent(t *testing.T) {
	ns := newNamespace(t)
	createCluster(t, newCluster(ns, "db"))
	objs := []client.Object{&appsv1.StatefulSet{}, &corev1.ConfigMap{}, &corev1.Service{}, &corev1.Secret{}, &policyv1.PodDisruptionBudget{}}
	names := []string{"db", "db-mycnf", "db-instances", "db-internal", "db-pdb"}
	versions := func() []string {
		var out []string
		for i, o := range objs {
			get(t, key(ns, names[i]), o)
			out = append(out, o.GetResourceVersion())
		}
		var c v1.InnoDBCluster
		get(t, key(ns, "db"), &c)
		return append(out, c.ResourceVersion)
	}
	// Let the manager settle (status written), then reconcile twice by hand: nothing may change.
	eventually(t, wait, func() error {
		before := versions()
		if _, err := reconciler.Reconcile(context.Background(), ctrl.Request{NamespacedName: key(ns, "db")}); err != nil {
			return err
		}
		if _, err := reconciler.Reconcile(context.Background(), ctrl.Request{NamespacedName: key(ns, "db")}); err != nil {
			return err
		}
		after := versions()
		if strings.Join(before, ",") != strings.Join(after, ",") {
			return fmt.Errorf("resource versions changed: %v -> %v", before, after)
		}
		return nil
	})
}

func update(t *testing.T, k types.NamespacedName, mutate func(*v1.InnoDBCluster)) error {
	t.Helper()
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var c v1.InnoDBCluster
		if err := k8s.Get(context.Background(), k, &c); err != nil {
			return err
		}
		mutate(&c)
		return k8s.Update(context.Background(), &c)
	})
}

func TestScaleUpdatesStatefulSetAndBudget(t *testing.T) {
	ns := newNamespace(t)
	createCluster(t, newCluster(ns, "db"))
	get(t, key(ns, "db-pdb"), &policyv1.PodDisruptionBudget{})
	if err := update(t, key(ns, "db"), func(c *v1.InnoDBCluster) { c.Spec.Instances = 5 }); err != nil {
		t.Fatal(err)
	}
	eventually(t, wait, func() error {
		var sts appsv1.StatefulSet
		var pdb policyv1.PodDisruptionBudget
		if err := k8s.Get(context.Background(), key(ns, "db"), &sts); err != nil {
			return err
		}
		if err := k8s.Get(context.Background(), key(ns, "db-pdb"), &pdb); err != nil {
			return err
		}
		if *sts.Spec.Replicas != 5 || pdb.Spec.MaxUnavailable.IntValue() != 1 {
			return fmt.Errorf("replicas %d pdb %+v", *sts.Spec.Replicas, pdb.Spec)
		}
		return nil
	})
	if err := update(t, key(ns, "db"), func(c *v1.InnoDBCluster) { c.Spec.Instances = 1 }); err != nil {
		t.Fatal(err)
	}
	eventually(t, wait, func() error {
		var sts appsv1.StatefulSet
		if err := k8s.Get(context.Background(), key(ns, "db"), &sts); err != nil || *sts.Spec.Replicas != 1 {
			return fmt.Errorf("replicas not 1: %w", err)
		}
		err := k8s.Get(context.Background(), key(ns, "db-pdb"), &policyv1.PodDisruptionBudget{})
		if !apierrors.IsNotFound(err) {
			return fmt.Errorf("a 1-member cluster must have no disruption budget, got: %w", err)
		}
		return nil
	})
}

func TestConfigChangeUpdatesConfigAndHash(t *testing.T) {
	ns := newNamespace(t)
	createCluster(t, newCluster(ns, "db"))
	sts := get(t, key(ns, "db"), &appsv1.StatefulSet{})
	oldHash := sts.Spec.Template.Annotations[v1.AnnotationConfigHash]
	if err := update(t, key(ns, "db"), func(c *v1.InnoDBCluster) {
		c.Spec.Mycnf = "max_connections=777\n"
	}); err != nil {
		t.Fatal(err)
	}
	eventually(t, wait, func() error {
		var cm corev1.ConfigMap
		var s appsv1.StatefulSet
		if err := k8s.Get(context.Background(), key(ns, "db-mycnf"), &cm); err != nil {
			return err
		}
		if err := k8s.Get(context.Background(), key(ns, "db"), &s); err != nil {
			return err
		}
		if !strings.Contains(cm.Data["my.cnf"], "max_connections=777") {
			return fmt.Errorf("my.cnf not updated")
		}
		if h := s.Spec.Template.Annotations[v1.AnnotationConfigHash]; h == oldHash || h != specs.ConfigHash(cm.Data["my.cnf"]) {
			return fmt.Errorf("config hash %q (old %q) does not match the new my.cnf", h, oldHash)
		}
		return nil
	})
}

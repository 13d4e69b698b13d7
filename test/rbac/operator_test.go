// Package rbac runs Orca's real operator under exactly the RBAC that config/rbac ships, on a real control plane,
// and fails on any request the role refuses and on any permission the role grants but the operator never uses.
package rbac

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/operator"
	"github.com/orca-operator/orca/test/controlplane"
	"github.com/orca-operator/orca/test/envtestutil"
	"github.com/orca-operator/orca/test/mysqlsim"
	"github.com/orca-operator/orca/test/simworld"
	"github.com/orca-operator/orca/test/testutil"
)

// notExercised are permissions the shipped role grants that this suite does not see used as a request verb,
// each with what needs it. Everything else granted must be used here.
var notExercised = map[access]string{
	{"", "secrets", "delete"}: "never sent: OwnerReferencesPermissionEnforcement authorizes a change of a Secret's " +
		"owner references (adopt, release) as delete; this suite enables the plugin, so a missing grant shows as " +
		"a refused patch",
	{"mysql.orca.dev", "innodbclusters/finalizers", "update"}: "never sent: OwnerReferencesPermissionEnforcement " +
		"authorizes an owner reference with blockOwnerDeletion to the cluster (every object Orca creates) as an " +
		"update of the cluster's finalizers",
	{"mysql.orca.dev", "mysqlbackups/finalizers", "update"}: "never sent: OwnerReferencesPermissionEnforcement " +
		"authorizes the backup Job's owner reference with blockOwnerDeletion as an update of the backup's " +
		"finalizers",
	{"mysql.orca.dev", "mysqlrestores/finalizers", "update"}: "never sent here: OwnerReferencesPermissionEnforcement " +
		"authorizes the restore Job's and safety backup's owner references (blockOwnerDeletion) as an update of the " +
		"restore's finalizers; this suite's restore waits for a backup and owns nothing",
	{"mysql.orca.dev", "migrationruns/finalizers", "update"}: "never sent: OwnerReferencesPermissionEnforcement " +
		"authorizes the migration Pod's owner reference to its run (blockOwnerDeletion) as an update of the run's " +
		"finalizers",
}

// impliedBy are permissions the operator needs for another one it uses: an informer that watches a resource
// lists it first when the API server does not stream the initial list (WatchList); v1.37 streams it, so this
// suite only sees the watch.
func impliedBy(a access) (access, bool) {
	if a.verb == "watch" {
		return access{a.group, a.resource, "list"}, true
	}
	return access{}, false
}

// suite is one control plane with the shipped RBAC installed, simulated members, and the operator running as
// the ServiceAccount the role is bound to.
type suite struct {
	t       *testing.T
	admin   client.Client
	world   *simworld.World
	log     *requestLog
	granted map[access]bool
	stop    func()
	// hooksAddr is the operator's MigrationHook receiver.
	hooksAddr string
}

// The control plane is the full simulated one (etcd, kube-apiserver with RBAC and
// OwnerReferencesPermissionEnforcement, kube-controller-manager with the garbage collector and the StatefulSet
// controller, kube-scheduler, kwok): the StatefulSet makes the pods and claims, kwok runs them, simworld boots
// a simulated mysqld in each from the pod's my.cnf, and deleted clusters are garbage-collected for real.
func startSuite(t *testing.T) *suite {
	envtestutil.SetLogger()
	cp := controlplane.StartT(t, controlplane.Options{Simulated: true, ExtraArgs: map[string][]string{
		"kube-apiserver": {"--enable-admission-plugins=OwnerReferencesPermissionEnforcement"},
	}})
	if _, err := envtest.InstallCRDs(cp.Config, envtest.CRDInstallOptions{
		Paths: []string{filepath.Join(envtestutil.RepoRoot(), "config", "crd", "bases")}, ErrorIfPathMissing: true,
	}); err != nil {
		t.Fatalf("install CRDs: %v", err)
	}
	scheme, err := operator.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	s := &suite{t: t, log: newRequestLog()}
	if s.admin, err = client.New(cp.Config, client.Options{Scheme: scheme}); err != nil {
		t.Fatal(err)
	}
	shipped := shippedObjects(t)
	installShipped(t, s.admin, shipped)
	s.granted = grantedBy(t, shipped)
	// Members get addresses of their own (127.0.83.x): other suites on this machine run simulated members on
	// 127.0.0.x, and an address taken by another process after ours was assigned would be dialled by mistake.
	s.world, err = simworld.Start(context.Background(), simworld.Options{Config: cp.Config, BaseAddress: "127.0.83.2",
		Sim: mysqlsim.Config{Second: 10 * time.Millisecond}, ContainerRestartDelay: time.Second,
		Logger: ctrl.Log.WithName("simworld")})
	if err != nil {
		t.Fatalf("start simulated members: %v", err)
	}
	t.Cleanup(s.world.Stop)
	s.startOperator(cp.Config)
	return s
}

// startOperator runs the operator as `orca operator --leader-elect` builds it, with a config that impersonates
// the shipped ServiceAccount and records every request.
func (s *suite) startOperator(admin *rest.Config) {
	cfg := rest.CopyConfig(admin)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: serviceAccountUser()}
	cfg.Wrap(s.log.wrap)
	s.hooksAddr = freeHooksAddr(s.t)
	mgr, err := operator.New(cfg, operator.Options{MetricsAddr: "0", ProbeAddr: "0", LeaderElect: true,
		HooksAddr:               s.hooksAddr,
		LeaderElectionNamespace: operatorNamespace, OrcaImage: "orca:rbac", Dialer: s.world.Dialer(),
		ResyncInterval: time.Second})
	if err != nil {
		s.t.Fatalf("build operator: %v", err)
	}
	s.stop = envtestutil.RunManager(s.t, mgr, 45*time.Second)
	s.t.Cleanup(func() {
		if s.stop != nil {
			s.stop()
		}
	})
}

func (s *suite) stopOperator() {
	s.stop()
	s.stop = nil
}

func TestOperatorUnderShippedRBAC(t *testing.T) {
	s := startSuite(t)
	testutil.Eventually(t, 30*time.Second, func() error { _, err := s.leaseHolder(); return err })

	t.Run("ComesOnlineSwitchesOverUpgrades", s.onlineSwitchoverUpgrade)
	t.Run("DeleteWithRetainKeepsSecretsForTheNextCluster", s.retainThenReadopt)
	t.Run("SingleMemberDeletedWithItsVolumesAndSecrets", s.singleMemberDelete)
	t.Run("RouterCreatedScaledDeleted", s.routerLifecycle)
	t.Run("BackupStartedThenDeleted", s.backupStartedThenDeleted)
	t.Run("MigrationDeliveredRunDeleted", s.migrationLifecycle)
	s.stopOperator()
	if holder, err := s.leaseHolder(); err == nil {
		t.Errorf("the leader lease is still held by %s after the operator stopped", holder)
	}
	for _, d := range s.log.Denied() {
		t.Errorf("forbidden: %s", d)
	}
	if !t.Failed() {
		s.checkLeastPrivilege()
	}
}

// checkLeastPrivilege fails on every permission used without being granted and every permission granted but
// never used (unless notExercised says who needs it).
func (s *suite) checkLeastPrivilege() {
	used := s.log.Used()
	for a := range used {
		if implied, ok := impliedBy(a); ok {
			used[implied]++
		}
	}
	missing, unused := map[access]string{}, map[access]string{}
	for a := range used {
		if !s.granted[a] {
			missing[a] = ""
		}
	}
	for a := range s.granted {
		if used[a] > 0 {
			if _, listed := notExercised[a]; listed {
				s.t.Errorf("%s is used now: remove it from notExercised", a)
			}
			continue
		}
		if _, listed := notExercised[a]; !listed {
			unused[a] = ""
		}
	}
	for _, a := range sortedAccesses(missing) {
		s.t.Errorf("used but not granted by config/rbac (granted by a default role?): %s", a)
	}
	for _, a := range sortedAccesses(unused) {
		s.t.Errorf("granted by config/rbac but never used: %s (least privilege: remove it, or exercise it here)", a)
	}
}

func (s *suite) leaseHolder() (string, error) {
	var lease coordinationv1.Lease
	if err := s.admin.Get(context.Background(), client.ObjectKey{Namespace: operatorNamespace,
		Name: operator.LeaderElectionID}, &lease); err != nil {
		return "", err
	}
	if lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity == "" {
		return "", fmt.Errorf("lease %s has no holder", lease.Name)
	}
	return *lease.Spec.HolderIdentity, nil
}

// onlineSwitchoverUpgrade: a three-member cluster comes ONLINE, switches over on request, grows its volumes (the
// storage class refuses, after RBAC allowed it) and upgrades one pod at a time.
func (s *suite) onlineSwitchoverUpgrade(t *testing.T) {
	c := s.newCluster(t, "db", 3)
	primary := c.waitOnline(120 * time.Second)
	target := c.secondary(primary)
	c.patch(func(ic *v1.InnoDBCluster) {
		if ic.Annotations == nil {
			ic.Annotations = map[string]string{}
		}
		ic.Annotations[v1.AnnotationSwitchoverTo] = target
	})
	c.eventually(60*time.Second, func() error {
		if p, err := c.online(); err != nil || p != target {
			return fmt.Errorf("primary %q, want %q: %w", p, target, err)
		}
		return nil
	})
	oldRevision, err := c.updateRevision()
	if err != nil {
		t.Fatal(err)
	}
	c.patch(func(ic *v1.InnoDBCluster) { ic.Spec.Version = "8.4.4" })
	c.eventually(180*time.Second, func() error {
		if err := c.podsAtNewRevision(oldRevision); err != nil {
			return err
		}
		_, err := c.online()
		return err
	})
	c.patch(func(ic *v1.InnoDBCluster) {
		ic.Spec.DatadirVolumeClaimTemplate = &v1.DatadirVolumeClaim{Storage: "3Gi"}
	})
	c.eventually(30*time.Second, func() error { return c.claimPatchAttempted(s.log) })
	c.delete()
}

// retainThenReadopt: deleting with whenDeleted=Retain keeps the claims and the Secrets (released from the
// cluster, so the garbage collector that removes everything else leaves them); a cluster created again with
// the same name adopts them with their contents unchanged and comes back ONLINE on the retained data.
func (s *suite) retainThenReadopt(t *testing.T) {
	c := s.newCluster(t, "keep", 3)
	c.waitOnline(120 * time.Second)
	before := c.secretData()
	c.delete()
	c.eventually(60*time.Second, func() error {
		err := s.admin.Get(context.Background(), c.key("keep-mycnf"), &corev1.ConfigMap{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("the garbage collector has not removed the ConfigMap yet: %w", err)
	})
	for name := range before {
		var sec corev1.Secret
		if err := s.admin.Get(context.Background(), c.key(name), &sec); err != nil {
			t.Fatalf("secret %s was not kept: %v", name, err)
		}
		if len(sec.OwnerReferences) != 0 {
			t.Fatalf("secret %s still has owners %+v", name, sec.OwnerReferences)
		}
	}
	if n := c.claims(); n != 3 {
		t.Fatalf("%d data volume claims kept, want 3", n)
	}

	again := s.newClusterIn(t, c.ns, "keep", 3)
	again.eventually(60*time.Second, func() error { return again.secretsControlled() })
	if after := again.secretData(); !reflect.DeepEqual(before, after) {
		t.Fatal("the re-created cluster rewrote its Secrets")
	}
	again.waitOnline(180 * time.Second)
	again.patch(func(ic *v1.InnoDBCluster) {
		ic.Spec.DatadirRetentionPolicy = &v1.DatadirRetentionPolicy{WhenDeleted: v1.RetentionDelete}
	})
	again.delete()
	again.waitDeletedWithData()
}

// singleMemberDelete: a one-member cluster (no disruption budget: the reconciler deletes any stale one) comes
// ONLINE and is deleted with whenDeleted=Delete: its claims are deleted and the garbage collector takes the
// Secrets with everything else.
func (s *suite) singleMemberDelete(t *testing.T) {
	c := s.newCluster(t, "solo", 1, func(ic *v1.InnoDBCluster) {
		ic.Spec.DatadirRetentionPolicy = &v1.DatadirRetentionPolicy{WhenDeleted: v1.RetentionDelete}
	})
	c.waitOnline(120 * time.Second)
	c.delete()
	c.waitDeletedWithData()
}

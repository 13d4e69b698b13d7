package rbac

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/test/testutil"
)

// cluster is one InnoDBCluster of the suite, read and changed with the admin client.
type cluster struct {
	s        *suite
	t        *testing.T
	ns, name string
}

func (c *cluster) eventually(timeout time.Duration, fn func() error) {
	c.t.Helper()
	testutil.Eventually(c.t, timeout, fn)
}

func (s *suite) newCluster(t *testing.T, name string, instances int32, mutate ...func(*v1.InnoDBCluster)) *cluster {
	t.Helper()
	return s.newClusterIn(t, s.namespace(t), name, instances, mutate...)
}

// namespace creates a namespace that enforces the restricted Pod Security Standard, so the apiserver refuses any
// pod of Orca's (member, backup, migration) that would not pass it.
func (s *suite) namespace(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ns, err := testutil.CreateRestrictedNamespace(ctx, s.admin, "rbac-")
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

func (s *suite) newClusterIn(t *testing.T, ns, name string, instances int32,
	mutate ...func(*v1.InnoDBCluster)) *cluster {
	t.Helper()
	ic := &v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	ic.Spec.Instances = instances
	ic.Spec.Version = "8.4.3"
	ic.Spec.Mycnf = "max_connections=500\n"
	for _, m := range mutate {
		m(ic)
	}
	if err := s.admin.Create(context.Background(), ic); err != nil {
		t.Fatalf("create cluster %s: %v", name, err)
	}
	return &cluster{s: s, t: t, ns: ns, name: name}
}

func (c *cluster) key(name string) client.ObjectKey {
	return client.ObjectKey{Namespace: c.ns, Name: name}
}

func (c *cluster) get() (*v1.InnoDBCluster, error) {
	var ic v1.InnoDBCluster
	err := c.s.admin.Get(context.Background(), c.key(c.name), &ic)
	return &ic, err
}

// online checks that the cluster is ONLINE and Ready with every member, and returns the primary.
func (c *cluster) online() (string, error) {
	ic, err := c.get()
	if err != nil {
		return "", err
	}
	st := ic.Status
	if st.ClusterState != v1.ClusterStateOnline || st.OnlineInstances != ic.Spec.Instances || st.Primary == "" {
		return "", fmt.Errorf("state %s online %d primary %q (%s)", st.ClusterState, st.OnlineInstances, st.Primary,
			conditions(ic))
	}
	if r := meta.FindStatusCondition(st.Conditions, string(v1.ConditionReady)); r == nil ||
		r.Status != metav1.ConditionTrue {
		return "", fmt.Errorf("Ready %+v", r)
	}
	return st.Primary, nil
}

// conditions summarises the cluster's conditions for a failure message.
func conditions(ic *v1.InnoDBCluster) string {
	var out []string
	for _, c := range ic.Status.Conditions {
		out = append(out, fmt.Sprintf("%s=%s/%s: %s", c.Type, c.Status, c.Reason, c.Message))
	}
	return strings.Join(out, "; ")
}

func (c *cluster) waitOnline(timeout time.Duration) string {
	c.t.Helper()
	var primary string
	c.eventually(timeout, func() error {
		var err error
		primary, err = c.online()
		return err
	})
	return primary
}

func (c *cluster) secondary(primary string) string {
	for i := 0; ; i++ {
		if pod := fmt.Sprintf("%s-%d", c.name, i); pod != primary {
			return pod
		}
	}
}

// updateRevision is the StatefulSet's current update revision.
func (c *cluster) updateRevision() (string, error) {
	var sts appsv1.StatefulSet
	if err := c.s.admin.Get(context.Background(), c.key(c.name), &sts); err != nil {
		return "", err
	}
	return sts.Status.UpdateRevision, nil
}

// podsAtNewRevision checks that the StatefulSet moved past old and every member pod runs its new revision
// (simworld keeps a member's first server version, so the pods' revision is what shows the upgrade).
func (c *cluster) podsAtNewRevision(old string) error {
	rev, err := c.updateRevision()
	if err != nil {
		return err
	}
	if rev == old {
		return fmt.Errorf("statefulset revision still %s", old)
	}
	var pods corev1.PodList // member pods only: router pods are a Deployment's
	if err := c.s.admin.List(context.Background(), &pods, client.InNamespace(c.ns),
		client.MatchingLabels{v1.LabelCluster: c.name, v1.LabelComponent: v1.ComponentMySQL}); err != nil {
		return err
	}
	for _, p := range pods.Items {
		if got := p.Labels[appsv1.ControllerRevisionHashLabelKey]; got != rev {
			return fmt.Errorf("pod %s runs revision %s, want %s", p.Name, got, rev)
		}
	}
	return nil
}

func (c *cluster) patch(change func(*v1.InnoDBCluster)) {
	c.t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		ic, err := c.get()
		if err != nil {
			return err
		}
		change(ic)
		return c.s.admin.Update(context.Background(), ic)
	})
	if err != nil {
		c.t.Fatalf("change cluster %s: %v", c.name, err)
	}
}

// claimPatchAttempted waits for the operator to have patched a data volume claim (growing it).
func (c *cluster) claimPatchAttempted(log *requestLog) error {
	if log.Used()[access{"", "persistentvolumeclaims", "patch"}] == 0 {
		return fmt.Errorf("no volume claim patched yet")
	}
	return nil
}

// delete deletes the cluster and waits until its finalizer let it go.
func (c *cluster) delete() {
	c.t.Helper()
	ic, err := c.get()
	if err != nil {
		c.t.Fatal(err)
	}
	if err := c.s.admin.Delete(context.Background(), ic); err != nil {
		c.t.Fatal(err)
	}
	c.eventually(60*time.Second, func() error {
		if _, err := c.get(); !apierrors.IsNotFound(err) {
			return fmt.Errorf("cluster %s still exists: %w", c.name, err)
		}
		return nil
	})
}

func (c *cluster) generatedSecrets() []string {
	ic := &v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Name: c.name}}
	return []string{specs.CredentialsSecretName(ic), specs.InternalSecretName(ic)}
}

func (c *cluster) secretData() map[string]map[string][]byte {
	c.t.Helper()
	out := map[string]map[string][]byte{}
	for _, name := range c.generatedSecrets() {
		var sec corev1.Secret
		if err := c.s.admin.Get(context.Background(), c.key(name), &sec); err != nil {
			c.t.Fatal(err)
		}
		out[name] = sec.Data
	}
	return out
}

func (c *cluster) secretsControlled() error {
	ic, err := c.get()
	if err != nil {
		return err
	}
	for _, name := range c.generatedSecrets() {
		var sec corev1.Secret
		if err := c.s.admin.Get(context.Background(), c.key(name), &sec); err != nil {
			return err
		}
		if !metav1.IsControlledBy(&sec, ic) {
			return fmt.Errorf("secret %s is not controlled by cluster %s (owners %+v)", name, c.name,
				sec.OwnerReferences)
		}
	}
	return nil
}

func (c *cluster) claims() int {
	c.t.Helper()
	var list corev1.PersistentVolumeClaimList
	if err := c.s.admin.List(context.Background(), &list, client.InNamespace(c.ns),
		client.MatchingLabels{v1.LabelCluster: c.name}); err != nil {
		c.t.Fatal(err)
	}
	n := 0
	for _, pvc := range list.Items {
		if pvc.DeletionTimestamp == nil {
			n++
		}
	}
	return n
}

// waitDeletedWithData waits until a cluster deleted with whenDeleted=Delete has no claims and no Secrets left.
func (c *cluster) waitDeletedWithData() {
	c.t.Helper()
	c.eventually(90*time.Second, func() error {
		if n := c.claims(); n != 0 {
			return fmt.Errorf("%d data volume claims left", n)
		}
		for _, name := range c.generatedSecrets() {
			err := c.s.admin.Get(context.Background(), c.key(name), &corev1.Secret{})
			if !apierrors.IsNotFound(err) {
				return fmt.Errorf("secret %s not garbage-collected yet: %w", name, err)
			}
		}
		return nil
	})
}

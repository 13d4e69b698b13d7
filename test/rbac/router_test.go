package rbac

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
)

// routerLifecycle: a cluster whose internal Secret predates the router (no router keys) gets them added, its
// router objects created (Deployment, budget, <name>-ro), scaled, and deleted with instances 0. The router pods
// are not played by anything here, so they never become Ready; RBAC is about the requests.
func (s *suite) routerLifecycle(t *testing.T) {
	ns := s.namespace(t)
	s.createPreRouterSecret(t, ns, "edge")
	c := s.newClusterIn(t, ns, "edge", 1, func(ic *v1.InnoDBCluster) {
		ic.Spec.Router = &v1.RouterSpec{Instances: ptr.To[int32](2)}
		ic.Spec.DatadirRetentionPolicy = &v1.DatadirRetentionPolicy{WhenDeleted: v1.RetentionDelete}
	})
	c.eventually(60*time.Second, c.routerKeysAdded)
	c.eventually(60*time.Second, func() error { return c.routerReplicas(2) })
	c.patch(func(ic *v1.InnoDBCluster) { ic.Spec.Router.Instances = ptr.To[int32](3) })
	c.eventually(60*time.Second, func() error { return c.routerReplicas(3) })
	c.patch(func(ic *v1.InnoDBCluster) { ic.Spec.Router.Instances = ptr.To[int32](0) })
	c.eventually(60*time.Second, c.routerGone)
	c.delete()
	c.waitDeletedWithData()
}

// createPreRouterSecret makes the internal Secret as Orca generated it before the router existed.
func (s *suite) createPreRouterSecret(t *testing.T, ns, cluster string) {
	t.Helper()
	sec := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: cluster + "-internal",
			Labels: map[string]string{v1.LabelManagedBy: v1.ManagedByOrca, v1.LabelCluster: cluster}},
		StringData: map[string]string{specs.KeyAdminUser: "orca_admin", specs.KeyAdminPassword: "admin-password-0123456789",
			specs.KeyReplicationUser: "orca_repl", specs.KeyReplicationPassword: "repl-password-0123456789",
			specs.KeyGroupName: "3b1f7c2e-0d4a-4e55-9a6b-2f8c1d0e7a91"},
	}
	if err := s.admin.Create(context.Background(), sec); err != nil {
		t.Fatalf("create internal secret: %v", err)
	}
}

func (c *cluster) routerKeysAdded() error {
	var sec corev1.Secret
	if err := c.s.admin.Get(context.Background(), c.key(c.name+"-internal"), &sec); err != nil {
		return err
	}
	if len(sec.Data[specs.KeyRouterPassword]) == 0 || string(sec.Data[specs.KeyAdminPassword]) != "admin-password-0123456789" {
		return fmt.Errorf("internal secret keys %d, router password %d bytes", len(sec.Data),
			len(sec.Data[specs.KeyRouterPassword]))
	}
	return nil
}

// routerReplicas checks the router Deployment asks for n pods and its budget and read-only Service exist.
func (c *cluster) routerReplicas(n int32) error {
	var dep appsv1.Deployment
	if err := c.s.admin.Get(context.Background(), c.key(c.name+"-router"), &dep); err != nil {
		return err
	}
	if *dep.Spec.Replicas != n {
		return fmt.Errorf("router replicas %d, want %d", *dep.Spec.Replicas, n)
	}
	if err := c.s.admin.Get(context.Background(), c.key(c.name+"-router"), &policyv1.PodDisruptionBudget{}); err != nil {
		return err
	}
	return c.s.admin.Get(context.Background(), c.key(c.name+"-ro"), &corev1.Service{})
}

func (c *cluster) routerGone() error {
	for name, obj := range map[string]client.Object{c.name + "-router": &appsv1.Deployment{},
		c.name + "-ro": &corev1.Service{}} {
		if err := c.s.admin.Get(context.Background(), c.key(name), obj); !apierrors.IsNotFound(err) {
			return fmt.Errorf("%T %s still there: %w", obj, name, err)
		}
	}
	err := c.s.admin.Get(context.Background(), c.key(c.name+"-router"), &policyv1.PodDisruptionBudget{})
	if !apierrors.IsNotFound(err) {
		return fmt.Errorf("router budget still there: %w", err)
	}
	return nil
}

package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
)

// cluster is one InnoDBCluster of a test, in its own namespace.
type cluster struct {
	h   *harness
	t   testing.TB
	obj *v1.InnoDBCluster
}

func (h *harness) createSample(t testing.TB) *cluster {
	return h.createSampleWith(t, func(*v1.InnoDBCluster) {})
}

// createSampleWith creates the sample, changed by tweak, in a namespace of its own.
func (h *harness) createSampleWith(t testing.TB, tweak func(*v1.InnoDBCluster)) *cluster {
	t.Helper()
	ctx := context.Background()
	ns := h.namespace(t, "e2e-")
	c := loadSample(t, "mysql_v1alpha1_innodbcluster.yaml")
	c.Namespace = ns
	tweak(c)
	if err := h.Client.Create(ctx, c); err != nil {
		t.Fatalf("create sample: %v", err)
	}
	return &cluster{h: h, t: t, obj: c}
}

func (c *cluster) get() *v1.InnoDBCluster {
	c.t.Helper()
	var got v1.InnoDBCluster
	if err := c.h.Client.Get(context.Background(), client.ObjectKeyFromObject(c.obj), &got); err != nil {
		c.t.Fatal(err)
	}
	return &got
}

// pods are the cluster's member pods (its router pods share the namespace and the cluster label, not the
// component).
func (c *cluster) pods() map[string]*corev1.Pod {
	c.t.Helper()
	var list corev1.PodList
	if err := c.h.Client.List(context.Background(), &list, client.InNamespace(c.obj.Namespace),
		client.MatchingLabels(specs.SelectorLabels(c.obj))); err != nil {
		c.t.Fatal(err)
	}
	out := map[string]*corev1.Pod{}
	for i := range list.Items {
		out[list.Items[i].Name] = &list.Items[i]
	}
	return out
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// online checks that the cluster is ONLINE with every member labelled and Ready, and returns the primary.
func (c *cluster) online() (string, error) {
	got := c.get()
	s := got.Status
	if s.ClusterState != v1.ClusterStateOnline || s.OnlineInstances != got.Spec.Instances || s.Primary == "" {
		cond := meta.FindStatusCondition(s.Conditions, string(v1.ConditionGroupOnline))
		return "", fmt.Errorf("state %s online %d primary %q (%+v)", s.ClusterState, s.OnlineInstances, s.Primary, cond)
	}
	if r := meta.FindStatusCondition(s.Conditions, string(v1.ConditionReady)); r == nil || r.Status != metav1.ConditionTrue {
		return "", fmt.Errorf("Ready %+v", r)
	}
	pods := c.pods()
	if len(pods) != int(got.Spec.Instances) {
		return "", fmt.Errorf("%d pods", len(pods))
	}
	for name, p := range pods {
		want := v1.RoleSecondary
		if name == s.Primary {
			want = v1.RolePrimary
		}
		if p.Labels[v1.LabelRole] != want || !podReady(p) {
			return "", fmt.Errorf("pod %s role %q ready %v", name, p.Labels[v1.LabelRole], podReady(p))
		}
	}
	return s.Primary, nil
}

func (c *cluster) waitOnline(timeout time.Duration) string {
	c.t.Helper()
	var primary string
	eventually(c.t, timeout, func() error {
		var err error
		primary, err = c.online()
		return err
	})
	return primary
}

// serviceTargets returns the pods behind a Service, from its EndpointSlices (kept by the real
// controller-manager; the addresses are kwok's fake pod IPs and are only read, never dialled).
func (c *cluster) serviceTargets(svc string) ([]string, error) {
	var slices discoveryv1.EndpointSliceList
	if err := c.h.Client.List(context.Background(), &slices, client.InNamespace(c.obj.Namespace),
		client.MatchingLabels{discoveryv1.LabelServiceName: svc}); err != nil {
		return nil, err
	}
	var pods []string
	for _, s := range slices.Items {
		for _, e := range s.Endpoints {
			if e.TargetRef != nil && (e.Conditions.Ready == nil || *e.Conditions.Ready) {
				pods = append(pods, e.TargetRef.Name)
			}
		}
	}
	return pods, nil
}

func (c *cluster) primaryServiceFollows(primary string) error {
	targets, err := c.serviceTargets(specs.PrimaryServiceName(c.obj))
	if err != nil {
		return err
	}
	if len(targets) != 1 || targets[0] != primary {
		return fmt.Errorf("%s targets %v, want [%s]", specs.PrimaryServiceName(c.obj), targets, primary)
	}
	return nil
}

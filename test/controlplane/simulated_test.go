package controlplane_test

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orca-operator/orca/test/controlplane"
)

// eventually retries check until it returns nil or timeout passes, then fails with its last error.
func eventually(t *testing.T, timeout time.Duration, what string, check func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var err error
	for {
		if err = check(ctx); err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: not reached within %s: %v", what, timeout, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func statefulSet(name string, replicas int32) *appsv1.StatefulSet {
	labels := map[string]string{"app": name}
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: appsv1.StatefulSetSpec{
			Replicas:    ptr.To(replicas),
			ServiceName: name,
			Selector:    &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					InitContainers: []corev1.Container{{Name: "init", Image: "orca:dev"}},
					Containers: []corev1.Container{{
						Name: "mysql", Image: "mysql:8.4",
						VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/var/lib/mysql"}},
					}},
				},
			},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{
				ObjectMeta: metav1.ObjectMeta{Name: "data"},
				Spec: corev1.PersistentVolumeClaimSpec{
					AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					Resources: corev1.VolumeResourceRequirements{
						Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("2Gi")},
					},
				},
			}},
		},
	}
}

// expectPods checks that exactly the named pods exist and are Running and Ready with a fake pod IP
// from their node's range (checked, never dialed).
func expectPods(ctx context.Context, c client.Client, app string, names ...string) error {
	var pods corev1.PodList
	if err := c.List(ctx, &pods, client.InNamespace("default"), client.MatchingLabels{"app": app}); err != nil {
		return err
	}
	if len(pods.Items) != len(names) {
		return fmt.Errorf("%d pods, want %v", len(pods.Items), names)
	}
	nodeNets, err := nodePodNets(ctx, c)
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	for i := range pods.Items {
		p := &pods.Items[i]
		switch {
		case !want[p.Name]:
			return fmt.Errorf("unexpected pod %s", p.Name)
		case p.DeletionTimestamp != nil:
			return fmt.Errorf("pod %s is terminating", p.Name)
		case p.Status.Phase != corev1.PodRunning || !podReady(p):
			return fmt.Errorf("pod %s: phase %s ready %v", p.Name, p.Status.Phase, podReady(p))
		case nodeNets[p.Spec.NodeName] == nil || !nodeNets[p.Spec.NodeName].Contains(net.ParseIP(p.Status.PodIP)):
			return fmt.Errorf("pod %s: IP %q outside the range of its node %s", p.Name, p.Status.PodIP,
				p.Spec.NodeName)
		}
	}
	return nil
}

// nodePodNets returns each node's pod range, checking that node i has the i-th /24 of the default pod CIDR.
func nodePodNets(ctx context.Context, c client.Client) (map[string]*net.IPNet, error) {
	var nodes corev1.NodeList
	if err := c.List(ctx, &nodes); err != nil {
		return nil, err
	}
	out := map[string]*net.IPNet{}
	for _, n := range nodes.Items {
		var i int
		if _, err := fmt.Sscanf(n.Name, "orca-node-%d", &i); err != nil {
			return nil, fmt.Errorf("node %s: %w", n.Name, err)
		}
		want := fmt.Sprintf("10.244.%d.0/24", i)
		if n.Spec.PodCIDR != want || len(n.Spec.PodCIDRs) != 1 || n.Spec.PodCIDRs[0] != want {
			return nil, fmt.Errorf("node %s: podCIDR %q podCIDRs %v, want %s", n.Name, n.Spec.PodCIDR,
				n.Spec.PodCIDRs, want)
		}
		_, out[n.Name], _ = net.ParseCIDR(want)
	}
	return out, nil
}

func TestSimulatedStatefulSetLifecycle(t *testing.T) {
	cp := controlplane.StartT(t, controlplane.Options{Simulated: true, Volumes: 6})
	c := cp.Client
	ctx := context.Background()

	if err := c.Create(ctx, statefulSet("web", 3)); err != nil {
		t.Fatalf("create statefulset: %v", err)
	}
	eventually(t, 30*time.Second, "3 Running+Ready pods", func(ctx context.Context) error {
		return expectPods(ctx, c, "web", "web-0", "web-1", "web-2")
	})
	eventually(t, 10*time.Second, "3 bound PVCs", func(ctx context.Context) error {
		for i := range 3 {
			var pvc corev1.PersistentVolumeClaim
			key := client.ObjectKey{Namespace: "default", Name: fmt.Sprintf("data-web-%d", i)}
			if err := c.Get(ctx, key, &pvc); err != nil {
				return err
			}
			if pvc.Status.Phase != corev1.ClaimBound || pvc.Spec.VolumeName == "" {
				return fmt.Errorf("pvc %s: phase %s", key.Name, pvc.Status.Phase)
			}
		}
		return nil
	})

	var sts appsv1.StatefulSet
	if err := c.Get(ctx, client.ObjectKey{Namespace: "default", Name: "web"}, &sts); err != nil {
		t.Fatalf("get statefulset: %v", err)
	}
	patch := client.MergeFrom(sts.DeepCopy())
	sts.Spec.Replicas = ptr.To[int32](1)
	if err := c.Patch(ctx, &sts, patch); err != nil {
		t.Fatalf("scale statefulset: %v", err)
	}
	eventually(t, 30*time.Second, "scale down to web-0", func(ctx context.Context) error {
		return expectPods(ctx, c, "web", "web-0")
	})

	if err := c.Delete(ctx, &sts, client.PropagationPolicy(metav1.DeletePropagationForeground)); err != nil {
		t.Fatalf("delete statefulset: %v", err)
	}
	eventually(t, 30*time.Second, "statefulset and pods gone", func(ctx context.Context) error {
		var pods corev1.PodList
		if err := c.List(ctx, &pods, client.InNamespace("default")); err != nil {
			return err
		}
		if len(pods.Items) > 0 {
			return fmt.Errorf("%d pods left", len(pods.Items))
		}
		err := c.Get(ctx, client.ObjectKeyFromObject(&sts), &appsv1.StatefulSet{})
		if err == nil {
			return fmt.Errorf("statefulset still there")
		}
		return client.IgnoreNotFound(err)
	})
	expectVolumesRecycled(t, c, 3)
}

// expectVolumesRecycled deletes the claims, waits for their volumes to be Released, recycles them and
// waits until every pre-made volume is Available again.
func expectVolumesRecycled(t *testing.T, c client.Client, claims int) {
	t.Helper()
	ctx := context.Background()
	if err := c.DeleteAllOf(ctx, &corev1.PersistentVolumeClaim{}, client.InNamespace("default")); err != nil {
		t.Fatalf("delete claims: %v", err)
	}
	eventually(t, 30*time.Second, "volumes released", func(ctx context.Context) error {
		return volumePhases(ctx, c, map[corev1.PersistentVolumePhase]int{corev1.VolumeReleased: claims})
	})
	freed, err := controlplane.RecycleVolumes(ctx, c)
	if err != nil || freed != claims {
		t.Fatalf("recycle volumes: freed %d of %d: %v", freed, claims, err)
	}
	eventually(t, 30*time.Second, "volumes available again", func(ctx context.Context) error {
		return volumePhases(ctx, c, map[corev1.PersistentVolumePhase]int{corev1.VolumeAvailable: 6})
	})
}

func volumePhases(ctx context.Context, c client.Client, want map[corev1.PersistentVolumePhase]int) error {
	var pvs corev1.PersistentVolumeList
	if err := c.List(ctx, &pvs); err != nil {
		return err
	}
	got := map[corev1.PersistentVolumePhase]int{}
	for _, pv := range pvs.Items {
		got[pv.Status.Phase]++
	}
	for phase, n := range want {
		if got[phase] != n {
			return fmt.Errorf("volume phases %v, want %v", got, want)
		}
	}
	return nil
}

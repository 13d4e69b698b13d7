package controlplane

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// fakeNode is a node kwok manages: a hostname, an OS, a zone label for spreading tests, and its own pod range,
// which kwok takes the IPs of the node's pods from.
func fakeNode(i int, podCIDR string) *corev1.Node {
	name := fmt.Sprintf("orca-node-%d", i)
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: name,
			Labels: map[string]string{
				corev1.LabelHostname:      name,
				corev1.LabelOSStable:      "linux",
				corev1.LabelArchStable:    "amd64",
				corev1.LabelTopologyZone:  fmt.Sprintf("zone-%c", 'a'+rune(i%26)),
				"type":                    "kwok",
				"node.orca.dev/simulated": "true",
			},
			Annotations: map[string]string{FakeNodeAnnotation: "fake"},
		},
		Spec: corev1.NodeSpec{PodCIDR: podCIDR, PodCIDRs: []string{podCIDR}},
	}
}

// storageObjects are the default StorageClass (no provisioner, Immediate binding) and n PersistentVolumes
// for it. The hostPath is never used: kwok pods do not mount anything.
func storageObjects(n int, capacity string) ([]client.Object, error) {
	qty, err := resource.ParseQuantity(capacity)
	if err != nil {
		return nil, fmt.Errorf("parse volume capacity %q: %w", capacity, err)
	}
	immediate := storagev1.VolumeBindingImmediate
	retain := corev1.PersistentVolumeReclaimRetain
	objs := []client.Object{&storagev1.StorageClass{
		ObjectMeta: metav1.ObjectMeta{
			Name:        StorageClassName,
			Annotations: map[string]string{"storageclass.kubernetes.io/is-default-class": "true"},
		},
		Provisioner:       "kubernetes.io/no-provisioner",
		VolumeBindingMode: &immediate,
		ReclaimPolicy:     &retain,
	}}
	for i := range n {
		name := fmt.Sprintf("orca-pv-%03d", i)
		objs = append(objs, &corev1.PersistentVolume{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: corev1.PersistentVolumeSpec{
				Capacity: corev1.ResourceList{corev1.ResourceStorage: qty},
				AccessModes: []corev1.PersistentVolumeAccessMode{
					corev1.ReadWriteOnce, corev1.ReadOnlyMany, corev1.ReadWriteMany,
				},
				PersistentVolumeReclaimPolicy: retain,
				StorageClassName:              StorageClassName,
				PersistentVolumeSource: corev1.PersistentVolumeSource{
					HostPath: &corev1.HostPathVolumeSource{Path: "/orca-simulated/" + name},
				},
			},
		})
	}
	return objs, nil
}

func createAll(ctx context.Context, c client.Client, objs []client.Object) error {
	for _, obj := range objs {
		if err := c.Create(ctx, obj); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create %T %s: %w", obj, obj.GetName(), err)
		}
	}
	return nil
}

// RecycleVolumes makes Released PersistentVolumes Available again by dropping their claim reference,
// so that a long test run or playground does not run out of pre-made volumes. It returns how many it freed.
func RecycleVolumes(ctx context.Context, c client.Client) (int, error) {
	var pvs corev1.PersistentVolumeList
	if err := c.List(ctx, &pvs); err != nil {
		return 0, fmt.Errorf("list persistent volumes: %w", err)
	}
	freed := 0
	for i := range pvs.Items {
		pv := &pvs.Items[i]
		if pv.Status.Phase != corev1.VolumeReleased || pv.Spec.StorageClassName != StorageClassName {
			continue
		}
		patch := client.MergeFrom(pv.DeepCopy())
		pv.Spec.ClaimRef = nil
		if err := c.Patch(ctx, pv, patch); err != nil {
			return freed, fmt.Errorf("free persistent volume %s: %w", pv.Name, err)
		}
		freed++
	}
	return freed, nil
}

// poll calls check every interval until it returns true, an error, or ctx ends (then it returns what
// describe says about the last state).
func poll(ctx context.Context, interval time.Duration, check func() (bool, error), describe func() string) error {
	for {
		ok, err := check()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", describe(), ctx.Err())
		case <-time.After(interval):
		}
	}
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// waitNodesReady waits until want nodes report Ready (kwok has taken them over).
func waitNodesReady(ctx context.Context, c client.Client, want int) error {
	ready := 0
	return poll(ctx, 100*time.Millisecond, func() (bool, error) {
		var nodes corev1.NodeList
		if err := c.List(ctx, &nodes); err != nil {
			return false, nil //nolint:nilerr // the apiserver may still be settling: keep polling
		}
		ready = 0
		for i := range nodes.Items {
			if nodeReady(&nodes.Items[i]) {
				ready++
			}
		}
		return ready >= want, nil
	}, func() string { return fmt.Sprintf("%d of %d fake nodes Ready (kwok)", ready, want) })
}

// waitServiceAccount waits for the controller-manager to create the default ServiceAccount, without
// which pods in the default namespace are refused.
func waitServiceAccount(ctx context.Context, c client.Client) error {
	return poll(ctx, 100*time.Millisecond, func() (bool, error) {
		var sa corev1.ServiceAccount
		err := c.Get(ctx, client.ObjectKey{Namespace: "default", Name: "default"}, &sa)
		return err == nil, nil
	}, func() string { return "service account default/default not created by kube-controller-manager" })
}

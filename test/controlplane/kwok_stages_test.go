package controlplane_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orca-operator/orca/test/controlplane"
)

const gate corev1.PodConditionType = "orca.dev/member-online"

func condition(p *corev1.Pod, t corev1.PodConditionType) corev1.ConditionStatus {
	for _, c := range p.Status.Conditions {
		if c.Type == t {
			return c.Status
		}
	}
	return ""
}

// setGate writes the readiness-gate condition the way the operator will: a status patch.
func setGate(ctx context.Context, c client.Client, p *corev1.Pod, status corev1.ConditionStatus) error {
	if err := c.Get(ctx, client.ObjectKeyFromObject(p), p); err != nil {
		return err
	}
	patch := client.MergeFromWithOptions(p.DeepCopy(), client.MergeFromWithOptimisticLock{})
	found := false
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == gate {
			p.Status.Conditions[i].Status, found = status, true
		}
	}
	if !found {
		p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{
			Type: gate, Status: status, LastTransitionTime: metav1.Now(),
		})
	}
	return c.Status().Patch(ctx, p, patch)
}

// expectReady waits until the pod's Ready condition is want while its containers stay ready.
func expectReady(t *testing.T, c client.Client, p *corev1.Pod, want corev1.ConditionStatus) {
	t.Helper()
	eventually(t, 15*time.Second, fmt.Sprintf("pod Ready=%s", want), func(ctx context.Context) error {
		if err := c.Get(ctx, client.ObjectKeyFromObject(p), p); err != nil {
			return err
		}
		if p.Status.Phase != corev1.PodRunning || condition(p, corev1.ContainersReady) != corev1.ConditionTrue {
			return fmt.Errorf("phase %s, ContainersReady %s", p.Status.Phase, condition(p, corev1.ContainersReady))
		}
		if got := condition(p, corev1.PodReady); got != want {
			return fmt.Errorf("Ready=%s", got)
		}
		return nil
	})
}

// The simulated kubelet honours readiness gates: Ready follows the gate condition the operator writes.
// Both simulated-cluster behaviours share one control plane to keep the suite fast.
func TestSimulatedKubeletBehaviour(t *testing.T) {
	cp := controlplane.StartT(t, controlplane.Options{Simulated: true, Nodes: 1, Volumes: 1,
		ProcessImages: []string{processImage}})
	t.Run("ReadinessGates", func(t *testing.T) { testReadinessGates(t, cp.Client) })
	t.Run("JobCompletes", func(t *testing.T) { testJobCompletes(t, cp.Client) })
	t.Run("DeleteWaitsForFinalizers", func(t *testing.T) { testFinalizer(t, cp.Client) })
	t.Run("DelayAnnotation", func(t *testing.T) { testDelayAnnotation(t, cp.Client) })
	t.Run("ProbedContainerStartsUnready", func(t *testing.T) { testProbedContainerStartsUnready(t, cp.Client) })
	t.Run("ContainerStatusKept", func(t *testing.T) { testContainerStatusKept(t, cp.Client) })
	t.Run("ProcessImagesLeftAlone", func(t *testing.T) { testProcessImagesLeftAlone(t, cp.Client) })
}

// A pod annotation slows one stage down, for tests of slow-starting members.
func testDelayAnnotation(t *testing.T, c client.Client) {
	ctx := context.Background()
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "slow", Namespace: "default",
			Annotations: map[string]string{"pod-ready.stage.kwok.x-k8s.io/delay": "3s"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "mysql", Image: "mysql:8.4"}}},
	}
	start := time.Now()
	if err := c.Create(ctx, p); err != nil {
		t.Fatalf("create pod: %v", err)
	}
	expectReady(t, c, p, corev1.ConditionTrue)
	if d := time.Since(start); d < 3*time.Second {
		t.Errorf("pod Ready after %s despite a 3s delay", d)
	}
}

func testReadinessGates(t *testing.T, c client.Client) {
	ctx := context.Background()
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "gated", Namespace: "default"},
		Spec: corev1.PodSpec{
			ReadinessGates: []corev1.PodReadinessGate{{ConditionType: gate}},
			Containers:     []corev1.Container{{Name: "mysql", Image: "mysql:8.4"}},
		},
	}
	if err := c.Create(ctx, p); err != nil {
		t.Fatalf("create pod: %v", err)
	}
	expectReady(t, c, p, corev1.ConditionFalse)
	if got := condition(p, gate); got != "" {
		t.Fatalf("kwok set the readiness gate itself: %s", got)
	}
	if err := setGate(ctx, c, p, corev1.ConditionTrue); err != nil {
		t.Fatalf("open gate: %v", err)
	}
	expectReady(t, c, p, corev1.ConditionTrue)
	if err := setGate(ctx, c, p, corev1.ConditionFalse); err != nil {
		t.Fatalf("close gate: %v", err)
	}
	expectReady(t, c, p, corev1.ConditionFalse)
}

func testJobCompletes(t *testing.T, c client.Client) {
	ctx := context.Background()
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "backup", Namespace: "default"},
		Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Containers:    []corev1.Container{{Name: "backup", Image: "orca:dev"}},
		}}},
	}
	if err := c.Create(ctx, job); err != nil {
		t.Fatalf("create job: %v", err)
	}
	eventually(t, 30*time.Second, "job succeeded", func(ctx context.Context) error {
		if err := c.Get(ctx, client.ObjectKeyFromObject(job), job); err != nil {
			return err
		}
		if job.Status.Succeeded != 1 {
			return fmt.Errorf("succeeded %d, active %d", job.Status.Succeeded, job.Status.Active)
		}
		return nil
	})
}

// A pod with a finalizer stays (terminating) until the finalizer goes, then kwok removes it at once.
func testFinalizer(t *testing.T, c client.Client) {
	ctx := context.Background()
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "held", Namespace: "default", Finalizers: []string{"orca.dev/test"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "mysql", Image: "mysql:8.4"}}},
	}
	if err := c.Create(ctx, p); err != nil {
		t.Fatalf("create pod: %v", err)
	}
	expectReady(t, c, p, corev1.ConditionTrue)
	if err := c.Delete(ctx, p); err != nil {
		t.Fatalf("delete pod: %v", err)
	}
	time.Sleep(time.Second)
	if err := c.Get(ctx, client.ObjectKeyFromObject(p), p); err != nil || p.DeletionTimestamp == nil {
		t.Fatalf("pod with finalizer should stay terminating: %v", err)
	}
	patch := client.MergeFrom(p.DeepCopy())
	p.Finalizers = nil
	if err := c.Patch(ctx, p, patch); err != nil {
		t.Fatalf("drop finalizer: %v", err)
	}
	start := time.Now()
	eventually(t, 10*time.Second, "pod gone", func(ctx context.Context) error {
		err := c.Get(ctx, client.ObjectKeyFromObject(p), &corev1.Pod{})
		if err == nil {
			return fmt.Errorf("still there")
		}
		return client.IgnoreNotFound(err)
	})
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("deletion took %s: the grace-period jitter is back", d)
	}
}

package controlplane_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// probedPod has the shape of a member pod: a readiness gate, and a mysql container with a startup and a
// readiness probe next to a plain sidecar.
func probedPod(name string) *corev1.Pod {
	tcp := corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(3306)}}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: corev1.PodSpec{
			ReadinessGates: []corev1.PodReadinessGate{{ConditionType: gate}},
			Containers: []corev1.Container{
				{Name: "mysql", Image: "mysql:8.4", ReadinessProbe: &corev1.Probe{ProbeHandler: tcp},
					StartupProbe: &corev1.Probe{ProbeHandler: tcp}},
				{Name: "sidecar", Image: "busybox"},
			},
		},
	}
}

func containerStatus(p *corev1.Pod, name string) *corev1.ContainerStatus {
	for i := range p.Status.ContainerStatuses {
		if p.Status.ContainerStatuses[i].Name == name {
			return &p.Status.ContainerStatuses[i]
		}
	}
	return nil
}

// waitRunning waits for kwok's pod-ready stage.
func waitRunning(t *testing.T, c client.Client, p *corev1.Pod) {
	t.Helper()
	eventually(t, 15*time.Second, "pod Running", func(ctx context.Context) error {
		if err := c.Get(ctx, client.ObjectKeyFromObject(p), p); err != nil {
			return err
		}
		if p.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("phase %s", p.Status.Phase)
		}
		return nil
	})
}

// A container with a readiness or startup probe starts not ready, as the kubelet shows it until the first probe
// passes: nothing runs in a kwok pod to answer it. A container without one is ready at once.
func testProbedContainerStartsUnready(t *testing.T, c client.Client) {
	p := probedPod("probed")
	if err := c.Create(context.Background(), p); err != nil {
		t.Fatalf("create pod: %v", err)
	}
	waitRunning(t, c, p)
	mysql, sidecar := containerStatus(p, "mysql"), containerStatus(p, "sidecar")
	if mysql == nil || sidecar == nil {
		t.Fatalf("container statuses %+v", p.Status.ContainerStatuses)
	}
	if mysql.Ready || ptrTrue(mysql.Started) || mysql.State.Running == nil {
		t.Errorf("probed container: ready %v started %v state %+v, want running, not started, not ready",
			mysql.Ready, mysql.Started, mysql.State)
	}
	if !sidecar.Ready || !ptrTrue(sidecar.Started) {
		t.Errorf("plain container: ready %v started %v, want both", sidecar.Ready, sidecar.Started)
	}
	for _, typ := range []corev1.PodConditionType{corev1.ContainersReady, corev1.PodReady} {
		if cond := podCondition(p, typ); cond == nil || cond.Status != corev1.ConditionFalse ||
			cond.Reason != "ContainersNotReady" || cond.Message != "containers with unready status: [mysql]" {
			t.Errorf("%s condition %+v", typ, cond)
		}
	}
}

// Once something plays the container (simworld), kwok leaves its status alone: a crash, the back-off and the
// restart written through the status subresource stay as written, Ready follows the containers and the
// readiness gate through kwok's gate stages, and deletion still works.
func testContainerStatusKept(t *testing.T, c client.Client) {
	ctx := context.Background()
	p := probedPod("played")
	if err := c.Create(ctx, p); err != nil {
		t.Fatalf("create pod: %v", err)
	}
	waitRunning(t, c, p)
	started := metav1.NewTime(time.Now().Add(-time.Minute).Truncate(time.Second))
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}}
	writeMySQL(t, c, p, running, corev1.ContainerState{}, 0, true)
	if err := setGate(ctx, c, p, corev1.ConditionTrue); err != nil {
		t.Fatalf("open gate: %v", err)
	}
	expectReady(t, c, p, corev1.ConditionTrue)

	exit := corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "Error",
		StartedAt: started, FinishedAt: metav1.NewTime(started.Add(30 * time.Second))}}
	writeMySQL(t, c, p, exit, corev1.ContainerState{}, 0, false)
	expectKept(t, c, p, exit, 0)
	waiting := corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}
	writeMySQL(t, c, p, waiting, exit, 0, false)
	expectKept(t, c, p, waiting, 0)
	if cond := podCondition(p, corev1.PodReady); cond == nil || cond.Status != corev1.ConditionFalse {
		t.Fatalf("Ready %+v with the gate open and the mysql container down", cond)
	}

	restarted := corev1.ContainerState{Running: &corev1.ContainerStateRunning{
		StartedAt: metav1.NewTime(started.Add(40 * time.Second))}}
	writeMySQL(t, c, p, restarted, exit, 1, true)
	expectReady(t, c, p, corev1.ConditionTrue) // kwok's gate stage: ContainersReady and the gate are True
	expectKept(t, c, p, restarted, 1)

	if err := c.Delete(ctx, p); err != nil {
		t.Fatalf("delete pod: %v", err)
	}
	eventually(t, 10*time.Second, "pod gone", func(ctx context.Context) error {
		err := c.Get(ctx, client.ObjectKeyFromObject(p), &corev1.Pod{})
		if err == nil {
			return fmt.Errorf("still there")
		}
		return client.IgnoreNotFound(err)
	})
}

// writeMySQL writes the mysql container's status and ContainersReady as a kubelet would (Ready is left to kwok's
// gate stages when the containers are ready), with optimistic concurrency.
func writeMySQL(t *testing.T, c client.Client, p *corev1.Pod, state, last corev1.ContainerState, restarts int32,
	ready bool) {
	t.Helper()
	ctx := context.Background()
	if err := c.Get(ctx, client.ObjectKeyFromObject(p), p); err != nil {
		t.Fatal(err)
	}
	patch := client.StrategicMergeFrom(p.DeepCopy(), client.MergeFromWithOptimisticLock{})
	s := containerStatus(p, "mysql")
	s.State, s.LastTerminationState, s.RestartCount, s.Ready = state, last, restarts, ready
	s.Started = &ready
	status, reason, msg := corev1.ConditionTrue, "", ""
	if !ready {
		status, reason, msg = corev1.ConditionFalse, "ContainersNotReady", "containers with unready status: [mysql]"
	}
	for i := range p.Status.Conditions {
		cond := &p.Status.Conditions[i]
		if cond.Type == corev1.ContainersReady || (cond.Type == corev1.PodReady && !ready) {
			cond.Status, cond.Reason, cond.Message = status, reason, msg
		}
	}
	if err := c.Status().Patch(ctx, p, patch, client.FieldOwner("test-kubelet")); err != nil {
		t.Fatalf("write mysql container status: %v", err)
	}
}

// expectKept checks for a second that the mysql container's status stays as written.
func expectKept(t *testing.T, c client.Client, p *corev1.Pod, state corev1.ContainerState, restarts int32) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		if err := c.Get(context.Background(), client.ObjectKeyFromObject(p), p); err != nil {
			t.Fatal(err)
		}
		s := containerStatus(p, "mysql")
		if s.RestartCount != restarts || !stateEqual(s.State, state) || p.Status.Phase != corev1.PodRunning {
			t.Fatalf("mysql container status overwritten: phase %s, restarts %d, state %+v; want %d, %+v",
				p.Status.Phase, s.RestartCount, s.State, restarts, state)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func stateEqual(a, b corev1.ContainerState) bool {
	switch {
	case a.Running != nil || b.Running != nil:
		return a.Running != nil && b.Running != nil && a.Running.StartedAt.Equal(&b.Running.StartedAt)
	case a.Terminated != nil || b.Terminated != nil:
		return a.Terminated != nil && b.Terminated != nil && a.Terminated.ExitCode == b.Terminated.ExitCode
	case a.Waiting != nil || b.Waiting != nil:
		return a.Waiting != nil && b.Waiting != nil && a.Waiting.Reason == b.Waiting.Reason
	}
	return true
}

func podCondition(p *corev1.Pod, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == t {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

func ptrTrue(b *bool) bool { return b != nil && *b }

package podrunner

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func TestContainerRunLifecycle(t *testing.T) {
	c := newContainerRun(&corev1.Container{Name: "router", Image: "orca:e2e",
		ReadinessProbe: &corev1.Probe{}}, false, true)
	c = c.start("uid", t0)
	if !c.Running || !c.Started || c.Ready || c.RestartCount != 0 {
		t.Fatalf("first start: %+v", c)
	}
	first := c.ID
	c = c.exited(1, "", "", t0.Add(time.Second))
	if c.Running || c.Ready || c.Exit.Reason != reasonError || c.Exit.ExitCode != 1 || c.Exit.ID != first {
		t.Fatalf("exit: %+v %+v", c, c.Exit)
	}
	if !c.restartable(corev1.RestartPolicyAlways) || !c.restartable(corev1.RestartPolicyOnFailure) ||
		c.restartable(corev1.RestartPolicyNever) {
		t.Fatal("restart policy")
	}
	delay := 2 * time.Second
	if s := c.status(t0.Add(time.Second), delay, true, false, "uid", "p", "ns"); s.State.Terminated == nil {
		t.Fatalf("right after the exit the termination shows: %+v", s.State)
	}
	s := c.status(t0.Add(2*time.Second), delay, true, false, "uid", "p", "ns")
	if s.State.Waiting == nil || s.State.Waiting.Reason != reasonCrashLoopBackOff ||
		s.LastTerminationState.Terminated == nil || s.LastTerminationState.Terminated.ExitCode != 1 {
		t.Fatalf("half-way through the delay the back-off shows: %+v", s)
	}
	c = c.start("uid", t0.Add(3*time.Second))
	if c.RestartCount != 1 || c.ID == first || c.Last == nil || c.Last.ExitCode != 1 || c.Exit != nil {
		t.Fatalf("restart: %+v", c)
	}
	c = c.exited(0, "", "", t0.Add(4*time.Second))
	if !c.succeeded() || c.Exit.Reason != reasonCompleted || c.restartable(corev1.RestartPolicyOnFailure) {
		t.Fatalf("clean exit: %+v", c.Exit)
	}
}

func TestContainerRunProbesAndErrors(t *testing.T) {
	c := newContainerRun(&corev1.Container{Name: "x", StartupProbe: &corev1.Probe{}}, false, true)
	c = c.start("uid", t0)
	if c.Started || c.Ready {
		t.Fatalf("with a startup probe: %+v", c)
	}
	if c = c.startupPassed(); !c.Started || !c.Ready {
		t.Fatalf("startup passed without a readiness probe: %+v", c)
	}
	w := newContainerRun(&corev1.Container{Name: "w"}, false, true).configError(`secret "s" not found`)
	s := w.status(t0, time.Second, false, false, "uid", "p", "ns")
	if s.State.Waiting == nil || s.State.Waiting.Reason != reasonConfigError || w.Starts != 0 {
		t.Fatalf("config error: %+v", s.State)
	}
	f := newContainerRun(&corev1.Container{Name: "f"}, false, true).failedToStart("uid", "exec: nope", t0)
	if f.Exit == nil || f.Exit.ExitCode != exitStartError || f.Exit.Reason != reasonStartError || f.Starts != 1 {
		t.Fatalf("start error: %+v", f.Exit)
	}
	if s := newContainerRun(&corev1.Container{Name: "m"}, false, true).status(t0, 0, false, true, "u", "p", "n"); s.State.Waiting.Reason != reasonPodInitializing {
		t.Fatalf("waiting for init containers: %+v", s.State)
	}
}

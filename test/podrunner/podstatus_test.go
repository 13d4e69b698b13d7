package podrunner

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/orca-operator/orca/test/podcond"
)

func running() corev1.ContainerStatus {
	return corev1.ContainerStatus{State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
}

func terminated(code int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{State: corev1.ContainerState{
		Terminated: &corev1.ContainerStateTerminated{ExitCode: code}}}
}

func backingOff(code int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{}},
		LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code}}}
}

func waiting() corev1.ContainerStatus {
	return corev1.ContainerStatus{State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{}}}
}

func TestPodPhase(t *testing.T) {
	always, never, onFailure := corev1.RestartPolicyAlways, corev1.RestartPolicyNever, corev1.RestartPolicyOnFailure
	cs := func(s ...corev1.ContainerStatus) []corev1.ContainerStatus { return s }
	for _, tc := range []struct {
		name         string
		policy       corev1.RestartPolicy
		inits, mains []corev1.ContainerStatus
		terminal     bool
		want         corev1.PodPhase
	}{
		{"init running", always, cs(running()), cs(waiting()), false, corev1.PodPending},
		{"init failed, never", never, cs(terminated(1)), cs(waiting()), false, corev1.PodFailed},
		{"init failed, restarting", onFailure, cs(backingOff(1)), cs(waiting()), false, corev1.PodPending},
		{"not started", always, nil, cs(waiting()), false, corev1.PodPending},
		{"running", always, cs(terminated(0)), cs(running()), false, corev1.PodRunning},
		{"crash loop", always, nil, cs(backingOff(2)), false, corev1.PodRunning},
		{"always, exited 0", always, nil, cs(terminated(0)), false, corev1.PodRunning},
		{"job succeeded", never, nil, cs(terminated(0)), false, corev1.PodSucceeded},
		{"job failed", never, nil, cs(terminated(1)), false, corev1.PodFailed},
		{"one of two failed", never, nil, cs(terminated(0), terminated(1)), false, corev1.PodFailed},
		{"one still running", never, nil, cs(terminated(1), running()), false, corev1.PodRunning},
		{"on failure, failed", onFailure, nil, cs(terminated(1)), false, corev1.PodRunning},
		{"on failure, succeeded", onFailure, nil, cs(terminated(0)), false, corev1.PodSucceeded},
		{"deleted, clean stop", always, nil, cs(terminated(0)), true, corev1.PodSucceeded},
		{"deleted, killed", always, nil, cs(terminated(137)), true, corev1.PodFailed},
		{"deleted while initializing", always, cs(running()), cs(waiting()), true, corev1.PodFailed},
	} {
		if got := podPhase(tc.policy, tc.inits, tc.mains, tc.terminal); got != tc.want {
			t.Errorf("%s: phase %s, want %s", tc.name, got, tc.want)
		}
	}
}

func condition(s corev1.PodStatus, typ corev1.PodConditionType) *corev1.PodCondition {
	return podcond.Find(s.Conditions, typ)
}

func TestRenderStatusConditionsAndGates(t *testing.T) {
	pod := envPod()
	pod.Spec.RestartPolicy = corev1.RestartPolicyAlways
	pod.Spec.ReadinessGates = []corev1.PodReadinessGate{{ConditionType: "orca.dev/gate"}}
	pod.Spec.InitContainers = []corev1.Container{{Name: "init"}}
	pod.Spec.Containers[0].ReadinessProbe = &corev1.Probe{}
	pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue}}
	r := &podRun{PodIP: "10.244.0.253", HostIP: "127.0.0.1", StartTime: t0, SandboxReady: true,
		Inits: []containerRun{newContainerRun(&pod.Spec.InitContainers[0], true, true)},
		Mains: []containerRun{newContainerRun(&pod.Spec.Containers[0], false, true)}}
	r.Inits[0] = r.Inits[0].start(pod.UID, t0)
	s := renderStatus(pod, r, t0, time.Second)
	if s.Phase != corev1.PodPending || s.PodIP != "10.244.0.253" || condition(s, corev1.PodInitialized).Status !=
		corev1.ConditionFalse || condition(s, corev1.PodScheduled) == nil || s.StartTime == nil {
		t.Fatalf("initializing: %+v", s)
	}
	r.Inits[0] = r.Inits[0].exited(0, "", "", t0)
	r.Mains[0] = r.Mains[0].start(pod.UID, t0)
	pod.Status = s
	s = renderStatus(pod, r, t0.Add(time.Second), time.Second)
	if s.Phase != corev1.PodRunning || condition(s, corev1.PodInitialized).Status != corev1.ConditionTrue ||
		condition(s, corev1.ContainersReady).Status != corev1.ConditionFalse {
		t.Fatalf("running, not ready: %+v", s.Conditions)
	}
	r.Mains[0].Ready = true
	pod.Status = s
	s = renderStatus(pod, r, t0.Add(2*time.Second), time.Second)
	if c := condition(s, corev1.PodReady); condition(s, corev1.ContainersReady).Status != corev1.ConditionTrue ||
		c.Status != corev1.ConditionFalse || c.Reason != podcond.ReasonReadinessGatesNotReady {
		t.Fatalf("gate missing: %+v", s.Conditions)
	}
	s.Conditions = append(s.Conditions, corev1.PodCondition{Type: "orca.dev/gate", Status: corev1.ConditionTrue})
	pod.Status = s
	s = renderStatus(pod, r, t0.Add(3*time.Second), time.Second)
	if c := condition(s, corev1.PodReady); c.Status != corev1.ConditionTrue || c.LastTransitionTime.Time != t0.Add(3*time.Second) {
		t.Fatalf("ready: %+v", c)
	}
	if c := condition(s, corev1.PodInitialized); !c.LastTransitionTime.Time.Equal(t0.Add(time.Second)) {
		t.Fatalf("an unchanged condition kept its transition time: %+v", c)
	}
	r.Mains[0] = r.Mains[0].exited(0, "", "", t0.Add(4*time.Second))
	r.Terminal = true
	pod.Status = s
	s = renderStatus(pod, r, t0.Add(4*time.Second), time.Second)
	if c := condition(s, corev1.PodReady); s.Phase != corev1.PodSucceeded || c.Status != corev1.ConditionFalse ||
		c.Reason != reasonPodCompleted {
		t.Fatalf("deleted: %s %+v", s.Phase, c)
	}
}

package podrunner

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/orca-operator/orca/test/podcond"
)

// Reasons of pod conditions, as the kubelet writes them.
const (
	reasonContainersNotInitialized = "ContainersNotInitialized"
	reasonPodCompleted             = "PodCompleted"
)

// podRun is the kubelet's record of one pod: its sandbox (IPs) and its containers.
type podRun struct {
	PodIP, HostIP string
	StartTime     time.Time
	// SandboxReady: the pod has its IPs and volumes (PodReadyToStartContainers).
	SandboxReady bool
	Inits, Mains []containerRun
	// Terminal: the pod was deleted and its containers stopped for good; the phase is Succeeded or Failed.
	Terminal bool
}

func (r *podRun) initsDone() bool {
	for _, c := range r.Inits {
		if !c.initDone() {
			return false
		}
	}
	return true
}

// mainsFinished: every main container ran and ended for good (none runs, none will restart): the pod's
// sidecars are stopped then. Never so under restartPolicy Always.
func (r *podRun) mainsFinished(policy corev1.RestartPolicy) bool {
	for _, c := range r.Mains {
		if c.Starts == 0 || c.Running || c.Waiting != nil || c.restartable(policy) {
			return false
		}
	}
	return len(r.Mains) > 0
}

// willRestart reports whether a container that is down now will be started again: a main container as its
// restart policy says, a sidecar always until the main containers finished, another init container only after
// a failure and unless the policy is Never.
func (r *podRun) willRestart(c containerRun, policy corev1.RestartPolicy) bool {
	if c.Sidecar {
		return !r.Terminal && !c.Running && c.Exit != nil && !r.mainsFinished(policy)
	}
	if c.Init && policy == corev1.RestartPolicyAlways {
		policy = corev1.RestartPolicyOnFailure
	}
	return !r.Terminal && c.restartable(policy)
}

// renderStatus is the pod's status as the kubelet writes it, on top of the current one: conditions others own
// (PodScheduled, readiness gates) stay.
func renderStatus(pod *corev1.Pod, r *podRun, now time.Time, restartDelay time.Duration) corev1.PodStatus {
	s := *pod.Status.DeepCopy()
	policy := pod.Spec.RestartPolicy
	initializing := !r.initsDone()
	s.InitContainerStatuses = make([]corev1.ContainerStatus, 0, len(r.Inits))
	for _, c := range r.Inits {
		s.InitContainerStatuses = append(s.InitContainerStatuses, c.status(now, restartDelay, r.willRestart(c, policy),
			false, pod.UID, pod.Name, pod.Namespace))
	}
	if len(s.InitContainerStatuses) == 0 {
		s.InitContainerStatuses = nil
	}
	s.ContainerStatuses = make([]corev1.ContainerStatus, 0, len(r.Mains))
	for _, c := range r.Mains {
		s.ContainerStatuses = append(s.ContainerStatuses, c.status(now, restartDelay, r.willRestart(c, policy),
			initializing, pod.UID, pod.Name, pod.Namespace))
	}
	if r.SandboxReady {
		s.PodIP, s.HostIP = r.PodIP, r.HostIP
		s.PodIPs, s.HostIPs = []corev1.PodIP{{IP: r.PodIP}}, []corev1.HostIP{{IP: r.HostIP}}
	}
	if s.StartTime == nil && !r.StartTime.IsZero() {
		t := kubeTime(r.StartTime)
		s.StartTime = &t
	}
	s.Phase = podPhase(policy, initStatusesForPhase(r, s.InitContainerStatuses), s.ContainerStatuses, r.Terminal)
	podcond.Set(&s, corev1.PodCondition{Type: corev1.PodReadyToStartContainers,
		Status: conditionStatus(r.SandboxReady)}, now)
	podcond.Set(&s, initializedCondition(pod, r.Inits), now)
	containersReady, ready := readyConditions(pod, s.ContainerStatuses, s.Conditions, s.Phase)
	podcond.Set(&s, containersReady, now)
	podcond.Set(&s, ready, now)
	return s
}

func conditionStatus(b bool) corev1.ConditionStatus {
	if b {
		return corev1.ConditionTrue
	}
	return corev1.ConditionFalse
}

// podPhase follows the kubelet's getPhase: Pending while init containers have not all succeeded (Failed when one
// failed and nothing restarts it) or a container never started; Running while a container runs or restarts;
// Succeeded or Failed once every container terminated for good (always so for a deleted pod, terminal).
func podPhase(policy corev1.RestartPolicy, inits, mains []corev1.ContainerStatus, terminal bool) corev1.PodPhase {
	if phase, done := initPhase(policy, inits, terminal); !done {
		return phase
	}
	var waiting, running, stopped, succeeded int
	for _, s := range mains {
		t := s.State.Terminated
		if t == nil && s.State.Running == nil {
			t = s.LastTerminationState.Terminated // waiting to restart
		}
		switch {
		case s.State.Running != nil:
			running++
		case t != nil:
			stopped++
			if t.ExitCode == 0 {
				succeeded++
			}
		default:
			waiting++
		}
	}
	switch {
	case terminal && stopped == succeeded && running == 0 && waiting == 0:
		return corev1.PodSucceeded
	case terminal:
		return corev1.PodFailed
	case waiting > 0 || running == 0 && stopped == 0:
		return corev1.PodPending
	case running > 0 || policy == corev1.RestartPolicyAlways:
		return corev1.PodRunning
	case stopped == succeeded:
		return corev1.PodSucceeded
	case policy == corev1.RestartPolicyNever:
		return corev1.PodFailed
	}
	return corev1.PodRunning // OnFailure, a failed container restarting
}

// initPhase is the phase while the init containers have not all succeeded (done false): Pending, or Failed when
// one failed and nothing will run it again.
func initPhase(policy corev1.RestartPolicy, inits []corev1.ContainerStatus, terminal bool) (corev1.PodPhase, bool) {
	pending, failed := 0, 0
	for _, s := range inits {
		switch t := terminatedOrLast(s); {
		case t != nil && t.ExitCode == 0:
		case t != nil:
			failed++
		default:
			pending++
		}
	}
	switch {
	case pending == 0 && failed == 0:
		return "", true
	case terminal || failed > 0 && policy == corev1.RestartPolicyNever:
		return corev1.PodFailed, false
	}
	return corev1.PodPending, false
}

// initStatusesForPhase leaves out the sidecars that started: whatever they do next (run, restart, stop with
// the pod), the init phase is over for them. One that never started counts as pending.
func initStatusesForPhase(r *podRun, inits []corev1.ContainerStatus) []corev1.ContainerStatus {
	out := make([]corev1.ContainerStatus, 0, len(inits))
	for i, s := range inits {
		switch c := r.Inits[i]; {
		case c.Sidecar && c.Initialized:
			continue
		case c.Sidecar:
			s.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reasonPodInitializing}}
			s.LastTerminationState = corev1.ContainerState{}
		}
		out = append(out, s)
	}
	return out
}

func terminatedOrLast(s corev1.ContainerStatus) *corev1.ContainerStateTerminated {
	if s.State.Terminated != nil {
		return s.State.Terminated
	}
	if s.State.Waiting != nil {
		return s.LastTerminationState.Terminated
	}
	return nil
}

func initializedCondition(pod *corev1.Pod, inits []containerRun) corev1.PodCondition {
	var incomplete []string
	for i, c := range inits {
		if !c.initDone() {
			incomplete = append(incomplete, pod.Spec.InitContainers[i].Name)
		}
	}
	if len(incomplete) == 0 {
		return corev1.PodCondition{Type: corev1.PodInitialized, Status: corev1.ConditionTrue}
	}
	return corev1.PodCondition{Type: corev1.PodInitialized, Status: corev1.ConditionFalse,
		Reason:  reasonContainersNotInitialized,
		Message: fmt.Sprintf("containers with incomplete status: [%s]", strings.Join(incomplete, " "))}
}

// readyConditions derive ContainersReady and Ready as the kubelet does (pkg/kubelet/status/generate.go):
// ContainersReady when every container is ready, Ready when also every readiness gate's condition is True; both
// False with reason PodCompleted once the pod is Succeeded or Failed.
func readyConditions(pod *corev1.Pod, statuses []corev1.ContainerStatus, conds []corev1.PodCondition,
	phase corev1.PodPhase) (containersReady, ready corev1.PodCondition) {
	if phase == corev1.PodSucceeded || phase == corev1.PodFailed {
		containersReady = corev1.PodCondition{Type: corev1.ContainersReady, Status: corev1.ConditionFalse,
			Reason: reasonPodCompleted}
		ready = containersReady
		ready.Type = corev1.PodReady
		return containersReady, ready
	}
	var unready []string
	for i, s := range statuses {
		if !s.Ready {
			unready = append(unready, pod.Spec.Containers[i].Name)
		}
	}
	return podcond.Ready(pod, unready, conds)
}

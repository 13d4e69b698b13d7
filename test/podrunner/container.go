package podrunner

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Reasons of container states, as the kubelet and the container runtime write them.
const (
	reasonCompleted        = "Completed"
	reasonError            = "Error"
	reasonStartError       = "StartError"
	reasonConfigError      = "CreateContainerConfigError"
	reasonCrashLoopBackOff = "CrashLoopBackOff"
	reasonCreating         = "ContainerCreating"
	reasonPodInitializing  = "PodInitializing"
)

// exitStartError is the exit code the runtime reports for a command it could not start.
const exitStartError = 128

// termination is one end of a container.
type termination struct {
	ExitCode              int32
	Reason, Message       string
	StartedAt, FinishedAt time.Time
	ID                    string
}

func (t *termination) state() corev1.ContainerState {
	if t == nil {
		return corev1.ContainerState{}
	}
	return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: t.ExitCode,
		Reason: t.Reason, Message: t.Message, StartedAt: kubeTime(t.StartedAt), FinishedAt: kubeTime(t.FinishedAt),
		ContainerID: t.ID}}
}

// containerRun is the kubelet's record of one container of a pod: a state machine the pod worker moves along
// what the process does (start, exit, probe results) and renders into the pod's status.
type containerRun struct {
	Name, Image string
	Init        bool
	// Sidecar: a native sidecar, an init container with restartPolicy Always. It counts as initialised once it
	// started (its startup probe passed), runs beside the main containers, is restarted whenever it exits, and is
	// stopped once the main containers finished for good.
	Sidecar bool
	// Initialized: the sidecar started once (what lets the next init containers and the main ones start).
	Initialized bool
	// Stopping: the sidecar was sent SIGTERM because the main containers finished.
	Stopping bool
	// Played: the container runs as a process (its image is one of Options.Images). Otherwise nothing runs in it
	// and it is shown as kwok would: running (an init container: completed) at once, ready unless it has probes.
	Played bool
	// HasReadiness and HasStartup: the container has that probe (it starts not ready, not started).
	HasReadiness, HasStartup bool

	// Starts counts the containers created (0: never started).
	Starts       int
	RestartCount int32
	ID           string
	StartedAt    time.Time
	Running      bool
	Started      bool // the startup probe passed (or there is none)
	Ready        bool
	// Exit is the current termination: set while the container is down after running.
	Exit *termination
	// Last is the termination before the current container (lastState).
	Last *termination
	// Waiting says why the container cannot be created (CreateContainerConfigError) until it can.
	Waiting *corev1.ContainerStateWaiting
}

func newContainerRun(c *corev1.Container, init, played bool) containerRun {
	return containerRun{Name: c.Name, Image: c.Image, Init: init, Played: played,
		Sidecar:      init && c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways,
		HasReadiness: c.ReadinessProbe != nil, HasStartup: c.StartupProbe != nil}
}

// start is a new container: the restart count grows on every start after the first, the last termination
// becomes lastState. A container without a startup probe is started at once, and ready at once without a
// readiness probe either.
func (c containerRun) start(pod types.UID, now time.Time) containerRun {
	if c.Starts > 0 {
		c.RestartCount++
	}
	if c.Exit != nil {
		c.Last = c.Exit
	}
	c.Starts++
	c.ID = containerID(pod, c.Name, c.Starts)
	c.StartedAt, c.Running, c.Exit, c.Waiting = now, true, nil, nil
	c.Started = !c.HasStartup
	c.Ready = c.Started && !c.HasReadiness
	c.Initialized = c.Initialized || c.Sidecar && c.Started
	return c
}

// exited is the container's process ending with code (reason Completed for 0, Error otherwise, unless given).
func (c containerRun) exited(code int32, reason, message string, now time.Time) containerRun {
	if reason == "" {
		reason = reasonError
		if code == 0 {
			reason = reasonCompleted
		}
	}
	c.Exit = &termination{ExitCode: code, Reason: reason, Message: message, StartedAt: c.StartedAt,
		FinishedAt: now, ID: c.ID}
	c.Running, c.Started, c.Ready = false, false, false
	return c
}

// failedToStart is a command the runtime could not start: a container created and terminated at once with
// StartError (exit code 128).
func (c containerRun) failedToStart(pod types.UID, message string, now time.Time) containerRun {
	return c.start(pod, now).exited(exitStartError, reasonStartError, message, now)
}

// configError leaves the container waiting: it cannot be created from its spec yet.
func (c containerRun) configError(message string) containerRun {
	c.Waiting = &corev1.ContainerStateWaiting{Reason: reasonConfigError, Message: message}
	return c
}

// startupPassed is the startup probe's first success: started, and ready unless a readiness probe decides.
func (c containerRun) startupPassed() containerRun {
	c.Started = true
	c.Ready = !c.HasReadiness
	c.Initialized = c.Initialized || c.Sidecar
	return c
}

func (c containerRun) succeeded() bool { return !c.Running && c.Exit != nil && c.Exit.ExitCode == 0 }

// initDone: an init container that lets the next ones start: it succeeded, or it is a sidecar that started.
func (c containerRun) initDone() bool {
	if c.Sidecar {
		return c.Initialized
	}
	return c.succeeded()
}

// restartable: down after a failure or an exit the restart policy restarts.
func (c containerRun) restartable(policy corev1.RestartPolicy) bool {
	if c.Running || c.Exit == nil {
		return false
	}
	switch policy {
	case corev1.RestartPolicyAlways:
		return true
	case corev1.RestartPolicyOnFailure:
		return c.Exit.ExitCode != 0
	}
	return false
}

// backOffShown is how long after an exit the status still shows the termination before it shows the back-off
// (waiting, CrashLoopBackOff) until the restart: half the restart delay, as simworld shows its members.
func backOffShown(restartDelay time.Duration) time.Duration { return restartDelay / 2 }

// status renders the container as the kubelet writes it. willRestart: the container is down and will be started
// again after restartDelay; initializing: a main container whose pod still runs its init containers.
func (c containerRun) status(now time.Time, restartDelay time.Duration, willRestart, initializing bool,
	podUID types.UID, podName, namespace string) corev1.ContainerStatus {
	started := c.Started
	s := corev1.ContainerStatus{Name: c.Name, Image: c.Image, ImageID: c.Image, ContainerID: c.ID, Ready: c.Ready,
		Started: &started, RestartCount: c.RestartCount, LastTerminationState: c.Last.state()}
	switch {
	case c.Running:
		s.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: kubeTime(c.StartedAt)}}
	case c.Waiting != nil:
		s.State = corev1.ContainerState{Waiting: c.Waiting.DeepCopy()}
		if c.Exit != nil {
			s.LastTerminationState = c.Exit.state()
		}
	case c.Exit != nil && willRestart && now.Sub(c.Exit.FinishedAt) >= backOffShown(restartDelay):
		s.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reasonCrashLoopBackOff,
			Message: fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)", restartDelay, c.Name,
				podName, namespace, podUID)}}
		s.LastTerminationState = c.Exit.state()
	case c.Exit != nil:
		s.State = c.Exit.state()
	case initializing:
		s.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reasonPodInitializing}}
	default:
		s.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reasonCreating}}
	}
	return s
}

// containerID is a stable fake runtime id of the n-th container of a pod's container.
func containerID(pod types.UID, name string, n int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s/%s/%d", pod, name, n))
	return "podrunner://" + hex.EncodeToString(sum[:])
}

// kubeTime is t as the API stores it (RFC 3339, whole seconds), so that what is rendered compares equal to what
// was read back.
func kubeTime(t time.Time) metav1.Time { return metav1.NewTime(t).Rfc3339Copy() }

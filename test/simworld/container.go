package simworld

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/orca-operator/orca/test/mysqlsim"
)

// exitCause is why mysqld stopped, as its exit status tells the container runtime.
type exitCause int

const (
	// exitKilled: SIGKILL (a crash, an OOM kill, a forced pod deletion). Exit code 137.
	exitKilled exitCause = iota
	// exitClean: a clean shutdown (SHUTDOWN, SIGTERM, ABORT_SERVER, the end of a clone without a supervisor).
	// Exit code 0.
	exitClean
	// exitBootFailed: mysqld aborted while starting (an unknown option, a bad data folder). Exit code 1.
	exitBootFailed
)

// terminated is the state the kubelet reports for a container that exited this way.
func (c exitCause) terminated() (code int32, reason string) {
	switch c {
	case exitClean:
		return 0, "Completed"
	case exitBootFailed:
		return 1, "Error"
	}
	return 137, "Error"
}

// mysqldRun identifies one boot of a member: the member (a wiped and re-created member is another one) and
// its incarnation. The zero value is no boot.
type mysqldRun struct {
	sim         *mysqlsim.Member
	incarnation int
}

// mysqldFacts is what one pass sees of the mysqld in a pod's mysql container.
type mysqldFacts struct {
	// Starts counts the times simworld started the container for this pod: the first boot, then each restart the
	// kubelet would make after an exit. Zero before mysqld first booted for the pod.
	Starts int
	// Run is the boot that is up now, zero while mysqld is down.
	Run mysqldRun
	// Cause says why mysqld stopped (when it is down).
	Cause exitCause
}

// containerExit is one termination of the mysql container.
type containerExit struct {
	Cause                 exitCause
	StartedAt, FinishedAt time.Time
	ID                    string
}

// containerRun is the kubelet's view of the mysql container of one pod.
type containerRun struct {
	PodUID types.UID
	// Supervised: mysqld runs under a supervisor (MYSQLD_PARENT_PID), which restarts it inside the container, so
	// the container keeps running while mysqld is down and only its readiness follows mysqld.
	Supervised bool
	// Starts is the last mysqldFacts.Starts seen.
	Starts       int
	RestartCount int32
	// ID and StartedAt describe the current container (while down: the one that exited).
	ID        string
	StartedAt time.Time
	// Mysqld is the boot the current container runs (zero until mysqld first booted in it).
	Mysqld mysqldRun
	// Ready: the readiness probe (TCP 3306) passes; mysqld is up in the container.
	Ready bool
	// Exit is set while the container is down: it exited and the kubelet has not restarted it yet.
	Exit *containerExit
	// Last is the previous termination (lastState), nil before the first one.
	Last *containerExit
}

// newContainerRun starts following the mysql container of a pod from what its status says (kwok's stage, or
// what an earlier simworld wrote).
func newContainerRun(pod *corev1.Pod, supervised bool, now time.Time) containerRun {
	c := containerRun{PodUID: pod.UID, Supervised: supervised, StartedAt: now}
	s := findContainerStatus(pod.Status.ContainerStatuses, mysqlContainer)
	if s == nil {
		c.ID = containerID(pod.UID, 0)
		return c
	}
	c.RestartCount, c.ID = s.RestartCount, s.ContainerID
	if c.ID == "" {
		c.ID = containerID(pod.UID, c.RestartCount)
	}
	if r := s.State.Running; r != nil && !r.StartedAt.IsZero() {
		c.StartedAt = r.StartedAt.Time
	}
	if t := lastTermination(*s); t != nil && s.State.Running == nil {
		// An earlier simworld saw it exit: the next start is a restart.
		c.Exit = &containerExit{Cause: causeOfCode(t.ExitCode), StartedAt: t.StartedAt.Time,
			FinishedAt: t.FinishedAt.Time, ID: t.ContainerID}
	}
	if t := s.LastTerminationState.Terminated; t != nil && c.Exit == nil {
		c.Last = &containerExit{Cause: causeOfCode(t.ExitCode), StartedAt: t.StartedAt.Time,
			FinishedAt: t.FinishedAt.Time, ID: t.ContainerID}
	}
	return c
}

func lastTermination(s corev1.ContainerStatus) *corev1.ContainerStateTerminated {
	if s.State.Terminated != nil {
		return s.State.Terminated
	}
	if s.State.Waiting != nil {
		return s.LastTerminationState.Terminated
	}
	return nil
}

func causeOfCode(code int32) exitCause {
	switch code {
	case 0:
		return exitClean
	case 1:
		return exitBootFailed
	}
	return exitKilled
}

// observe moves the container along what mysqld did since the last pass:
//   - a start by simworld (Starts grew) is a new container: restartCount+1 after an exit, a new ID and startedAt,
//     lastState the exit; ready once mysqld is up, or at once terminated again when its boot failed;
//   - mysqld stopping in a running container terminates it (exit code from Cause), ready and started false;
//   - a new boot seen without a start by simworld (a test's Member.Restart) is an exit and a restart at once;
//   - under a supervisor, the container keeps running and only ready follows mysqld.
func (c containerRun) observe(f mysqldFacts, now time.Time) containerRun {
	up := f.Run != (mysqldRun{})
	switch {
	case c.Supervised:
		c.Starts, c.Ready = f.Starts, up
		if up {
			c.Mysqld = f.Run
		}
	case f.Starts > c.Starts:
		first := c.Starts == 0 && c.Exit == nil
		c.Starts = f.Starts
		if !first {
			if c.Exit == nil {
				c = c.exited(exitKilled, now)
			}
			c = c.restarted(now)
		}
		c.Mysqld, c.Ready = f.Run, up
		if !up {
			c = c.exited(f.Cause, now)
		}
	case c.Exit != nil:
		if up {
			c = c.restarted(now)
			c.Mysqld, c.Ready = f.Run, true
		}
	case up && c.Mysqld != (mysqldRun{}) && c.Mysqld != f.Run:
		c = c.exited(exitKilled, now).restarted(now)
		c.Mysqld, c.Ready = f.Run, true
	case up:
		c.Mysqld, c.Ready = f.Run, true
	case c.Mysqld != (mysqldRun{}):
		c = c.exited(f.Cause, now)
	default:
		c.Ready = false // the container runs, mysqld has not booted in it yet
	}
	return c
}

func (c containerRun) exited(cause exitCause, now time.Time) containerRun {
	c.Exit = &containerExit{Cause: cause, StartedAt: c.StartedAt, FinishedAt: now, ID: c.ID}
	c.Ready = false
	return c
}

// restarted is the kubelet starting the container again after Exit.
func (c containerRun) restarted(now time.Time) containerRun {
	c.Last, c.Exit = c.Exit, nil
	c.RestartCount++
	c.ID, c.StartedAt = containerID(c.PodUID, c.RestartCount), now
	return c
}

// containerID is a stable fake runtime id for the n-th container of a pod (nothing runs it).
func containerID(pod types.UID, n int32) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s/%s/%d", pod, mysqlContainer, n))
	return "containerd://" + hex.EncodeToString(sum[:])
}

// backOffShown is how long after an exit the kubelet still shows the container as terminated before it shows
// the back-off (waiting, CrashLoopBackOff) until the restart: half the restart delay.
func backOffShown(restartDelay time.Duration) time.Duration { return restartDelay / 2 }

// status renders the container as the kubelet writes it into pod.status.containerStatuses, on top of base (the
// current entry: image, imageID, resources... stay). restartDelay is the kubelet's back-off (0: never restarts,
// the exit stays shown as terminated).
func (c containerRun) status(base corev1.ContainerStatus, pod *corev1.Pod, now time.Time,
	restartDelay time.Duration) corev1.ContainerStatus {
	s := base
	s.Name, s.RestartCount, s.ContainerID, s.Ready = mysqlContainer, c.RestartCount, c.ID, c.Ready
	s.LastTerminationState = c.Last.state()
	// The startup probe (mysqladmin ping) passes once mysqld first answered in this container.
	started := c.Exit == nil && c.Mysqld != (mysqldRun{})
	s.Started = &started
	switch {
	case c.Exit == nil:
		s.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: kubeTime(c.StartedAt)}}
	case restartDelay > 0 && now.Sub(c.Exit.FinishedAt) >= backOffShown(restartDelay):
		s.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff",
			Message: fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)", restartDelay,
				mysqlContainer, pod.Name, pod.Namespace, pod.UID)}}
		s.LastTerminationState = c.Exit.state()
	default:
		s.State = c.Exit.state()
	}
	return s
}

// nextChange is how long until status renders differently without anything happening (the back-off shows),
// 0 for never.
func (c containerRun) nextChange(now time.Time, restartDelay time.Duration) time.Duration {
	if c.Exit == nil || restartDelay <= 0 {
		return 0
	}
	if d := c.Exit.FinishedAt.Add(backOffShown(restartDelay)).Sub(now); d > 0 {
		return d
	}
	return 0
}

func (e *containerExit) state() corev1.ContainerState {
	if e == nil {
		return corev1.ContainerState{}
	}
	code, reason := e.Cause.terminated()
	return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Reason: reason,
		StartedAt: kubeTime(e.StartedAt), FinishedAt: kubeTime(e.FinishedAt), ContainerID: e.ID}}
}

// kubeTime is t as the API stores it (RFC 3339, whole seconds), so that what is rendered compares equal to what
// was read back.
func kubeTime(t time.Time) metav1.Time { return metav1.NewTime(t).Rfc3339Copy() }

package simworld

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/orca-operator/orca/test/mysqlsim"
)

// FieldManager is the field manager of the pod status simworld writes (the mysql container's status and the
// ContainersReady and Ready conditions), as the kubelet would.
const FieldManager = "simworld-kubelet"

// conflictRetry is when a pass whose status write lost a race looks again (the newer pod also queues one).
const conflictRetry = 20 * time.Millisecond

// wakeEvents queue the pod a wake-up names.
func wakeEvents() handler.TypedEventHandler[types.NamespacedName, reconcile.Request] {
	return handler.TypedFuncs[types.NamespacedName, reconcile.Request]{
		GenericFunc: func(_ context.Context, e event.TypedGenericEvent[types.NamespacedName], q queue) {
			q.Add(reconcile.Request{NamespacedName: e.Object})
		},
	}
}

// mysqldState is what the kubelet's event generator notices of a member: whether it runs, and which boot.
type mysqldState struct {
	up          bool
	incarnation int
}

// watchGroup wakes a member's pod whenever its mysqld stops or boots, as the kubelet's event generator reports a
// container exit at once: nothing in Kubernetes changes when mysqld crashes. It returns when ctx ends.
func (w *World) watchGroup(ctx context.Context, namespace string, g *mysqlsim.Group) {
	seen := map[*mysqlsim.Member]mysqldState{}
	var changed []string
	for {
		err := g.WaitFor(ctx, func() bool {
			changed = changed[:0]
			for _, m := range g.Members() {
				s := mysqldState{up: m.Up(), incarnation: m.Incarnation()}
				if old, ok := seen[m]; !ok || old != s {
					seen[m] = s
					changed = append(changed, m.Name())
				}
			}
			return len(changed) > 0
		})
		if err != nil {
			return
		}
		for _, pod := range changed {
			e := event.TypedGenericEvent[types.NamespacedName]{Object: types.NamespacedName{Namespace: namespace,
				Name: pod}}
			select {
			case w.wake <- e:
			case <-ctx.Done():
				return
			}
		}
	}
}

// syncContainer is the kubelet's part of a pass: it moves the pod's mysql container along what its mysqld did
// and writes the container's status and the Ready and ContainersReady conditions that follow. It returns when
// the status will next change on its own (the back-off shows), 0 for never.
func (w *World) syncContainer(ctx context.Context, key types.NamespacedName, pod *corev1.Pod) (time.Duration,
	error) {
	if pod == nil || pod.Status.Phase != corev1.PodRunning || findContainer(pod.Spec.Containers,
		mysqlContainer) == nil {
		w.mu.Lock()
		if pod == nil || w.containers[key] != nil && w.containers[key].PodUID != pod.UID {
			delete(w.containers, key)
		}
		w.mu.Unlock()
		return 0, nil
	}
	if w.oldPodsMysqldRuns(key, pod.UID) {
		// The kubelet starts a new pod's containers only once the old pod is gone, its mysqld dead with it: until
		// the member's pass stopped the old incarnation, the new container is not shown running (an operator
		// would reach the old mysqld through the pod's name and take it for the new one).
		return conflictRetry, nil
	}
	now := time.Now()
	run := w.observeContainer(key, pod, now)
	delay := w.opts.ContainerRestartDelay
	if pod.DeletionTimestamp != nil {
		delay = 0 // a terminating pod's containers are not restarted: the exit stays shown
	}
	want, changed := withContainer(pod, run, now, delay)
	next := run.nextChange(now, delay)
	if !changed {
		return next, nil
	}
	patch := client.StrategicMergeFrom(pod, client.MergeFromWithOptimisticLock{})
	err := w.writer.Status().Patch(ctx, want, patch, client.FieldOwner(FieldManager))
	switch {
	case apierrors.IsNotFound(err):
		return 0, nil
	case apierrors.IsConflict(err):
		return conflictRetry, nil
	case err != nil:
		return 0, fmt.Errorf("write container status of pod %s: %w", key, err)
	}
	if s := findContainerStatus(want.Status.ContainerStatuses, mysqlContainer); s != nil {
		w.log.V(1).Info("container status written", "member", key.String(), "state", stateName(s.State),
			"ready", s.Ready, "restartCount", s.RestartCount)
	}
	return next, nil
}

// oldPodsMysqldRuns reports whether the member still runs for a pod other than uid.
func (w *World) oldPodsMysqldRuns(key types.NamespacedName, uid types.UID) bool {
	w.mu.Lock()
	m := w.members[key]
	other := m != nil && m.podUID != uid
	w.mu.Unlock()
	return other && m.sim.Up()
}

// observeContainer updates the pod's container record from its member and returns it.
func (w *World) observeContainer(key types.NamespacedName, pod *corev1.Pod, now time.Time) containerRun {
	supervised := false
	if refs, err := readPod(pod); err == nil {
		supervised = refs.Supervised
	}
	w.mu.Lock()
	rec := w.containers[key]
	var m *member
	if cur := w.members[key]; cur != nil {
		snapshot := *cur
		m = &snapshot
	}
	w.mu.Unlock()
	if rec == nil || rec.PodUID != pod.UID {
		c := newContainerRun(pod, supervised, now)
		rec = &c
	}
	next := rec.observe(factsOf(m, pod.UID), now)
	w.mu.Lock()
	w.containers[key] = &next
	w.mu.Unlock()
	return next
}

// factsOf reads what the mysql container of pod runs. A member that last booted for another pod (or none)
// runs nothing in it.
func factsOf(m *member, pod types.UID) mysqldFacts {
	if m == nil || m.podUID != pod {
		return mysqldFacts{}
	}
	f := mysqldFacts{Starts: m.starts}
	if m.sim.Up() {
		f.Run = mysqldRun{sim: m.sim, incarnation: m.sim.Incarnation()}
		return f
	}
	if last := (mysqldRun{sim: m.sim, incarnation: m.sim.Incarnation()}); m.stop.run == last {
		f.Cause = m.stop.cause
	} else {
		f.Cause = exitFromLog(m.sim.ErrorLog())
	}
	return f
}

// Error log entries that tell why mysqld stopped.
const (
	logReadyForConnections = "MY-010931"
	logAborting            = "MY-010119" // the boot failed
	logShutdownComplete    = "MY-010910" // a clean shutdown
	logCloneEnd            = "MY-013457" // a clone finished: mysqld restarts (without a supervisor: stops)
	logExitStateAction     = "MY-011712" // group_replication_exit_state_action ran
)

// exitFromLog reads why mysqld last stopped from its error log, as one would on a real server: the last telling
// entry after the last "ready for connections". ABORT_SERVER counts as clean: MySQL 8.4's abort_plugin_process
// asks the server to shut down (it only aborts if that fails). With nothing telling, mysqld was killed.
func exitFromLog(log []mysqlsim.LogEntry) exitCause {
	start := 0
	for i, e := range log {
		if e.ErrorCode == logReadyForConnections {
			start = i + 1
		}
	}
	cause := exitKilled
	for _, e := range log[start:] {
		switch {
		case e.ErrorCode == logAborting:
			cause = exitBootFailed
		case e.ErrorCode == logShutdownComplete, e.ErrorCode == logCloneEnd:
			cause = exitClean
		case e.ErrorCode == logExitStateAction && strings.Contains(e.Data, "will now abort"):
			cause = exitClean
		}
	}
	return cause
}

func stateName(s corev1.ContainerState) string {
	switch {
	case s.Running != nil:
		return "running"
	case s.Terminated != nil:
		return fmt.Sprintf("terminated(%d %s)", s.Terminated.ExitCode, s.Terminated.Reason)
	case s.Waiting != nil:
		return "waiting(" + s.Waiting.Reason + ")"
	}
	return "unknown"
}

// noteStop records that simworld is about to stop the member's current boot, and how.
func (w *World) noteStop(rec *member, cause exitCause) {
	run := mysqldRun{sim: rec.sim, incarnation: rec.sim.Incarnation()}
	w.mu.Lock()
	rec.stop = stopNote{run: run, cause: cause}
	w.mu.Unlock()
}

// Shutdown stops a pod's mysqld as SIGTERM to its container does (`docker stop`, `kill 1` in the container):
// SHUTDOWN, so the member leaves its group cleanly when a majority is reachable, and the container exits with
// code 0. The kubelet restarts the container after Options.ContainerRestartDelay, as after any exit.
func (w *World) Shutdown(ctx context.Context, namespace, pod string) error {
	rec := w.record(types.NamespacedName{Namespace: namespace, Name: pod})
	if rec == nil {
		return fmt.Errorf("simworld: pod %s/%s has no member", namespace, pod)
	}
	if !rec.sim.Up() {
		return fmt.Errorf("simworld: member %s/%s is not running", namespace, pod)
	}
	w.stopClean(ctx, rec)
	return nil
}

// stopClean runs SHUTDOWN as root on the member (a crash if that fails).
func (w *World) stopClean(ctx context.Context, rec *member) {
	w.noteStop(rec, exitClean)
	if s, err := rec.sim.RootSession(); err == nil {
		_, _ = rec.sim.Exec(ctx, s, "SHUTDOWN")
		s.Close()
	}
	if rec.sim.Up() {
		w.noteStop(rec, exitKilled)
		rec.sim.Crash()
	}
}

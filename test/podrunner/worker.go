package podrunner

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Retry delays of the pod worker.
const (
	conflictRetry = 20 * time.Millisecond // a status write lost a race: the newer pod is on its way
	errorRetry    = time.Second           // an API error, a volume or config that cannot be set up yet
)

// podWorker plays the kubelet for one pod (one UID) in its own goroutine, as the kubelet's pod workers do: it
// sets up the pod's sandbox (volumes, pod IP, loopback address), starts and restarts its containers, follows
// their exits and probes, writes the pod's status, and on deletion stops the containers and deletes the pod
// object.
type podWorker struct {
	r   *Runner
	key types.NamespacedName
	uid types.UID
	log logr.Logger

	mu      sync.Mutex
	latest  *corev1.Pod // the newest version Reconcile handed over, not yet taken
	gone    bool        // the pod object is gone
	summary PodInfo
	wake    chan struct{}
	events  chan workerEvent
	quit    chan struct{}  // closed when the worker ends: pending notifications give up
	bg      sync.WaitGroup // probers, exit notifiers, probe kills

	// Owned by the worker goroutine.
	pod     *corev1.Pod
	run     podRun
	procs   map[string]*process           // container name -> its running process
	probers map[string]context.CancelFunc // container name -> stops its probes
	retryAt map[string]time.Time          // container name -> next try after a config error
	sb      sandbox
	node    *corev1.Node
	ready   bool   // sandbox set up
	adopted bool   // already Succeeded or Failed when the runner first saw it: nothing to run
	stopped bool   // containers stopped for the pod's deletion
	deleted bool   // the deletion with grace 0 went through
	mounted string // last FailedMount message (one event per distinct failure)
}

// workerEvent is a process exit or a probe result, for the worker goroutine.
type workerEvent struct {
	container string
	proc      *process
	exit      bool
	probe     probeKind
	ok        bool
	msg       string
}

func newPodWorker(r *Runner, pod *corev1.Pod) *podWorker {
	key := types.NamespacedName{Namespace: pod.Namespace, Name: pod.Name}
	w := &podWorker{r: r, key: key, uid: pod.UID, log: r.log.WithValues("pod", key.String()),
		summary: PodInfo{Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
		wake:    make(chan struct{}, 1), events: make(chan workerEvent, 64), quit: make(chan struct{}),
		pod: pod.DeepCopy(), procs: map[string]*process{}, probers: map[string]context.CancelFunc{},
		retryAt: map[string]time.Time{}}
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		w.run.Inits = append(w.run.Inits, newContainerRun(c, true, r.played(c, true)))
	}
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		w.run.Mains = append(w.run.Mains, newContainerRun(c, false, r.played(c, false)))
	}
	w.adopt(pod, time.Now())
	return w
}

// played reports whether the container runs as a process: its image is one of the runner's (an InitOnly one
// in an init container only).
func (r *Runner) played(c *corev1.Container, init bool) bool {
	img, ok := r.opts.Images[c.Image]
	return ok && (init || !img.InitOnly)
}

// adopt takes over a pod another runner ran (the playground's runner restarted): a finished pod stays as it is;
// the containers of a running one died with that runner, so they restart (restartCount+1) as the kubelet
// restarts containers its node lost.
func (w *podWorker) adopt(pod *corev1.Pod, now time.Time) {
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		w.adopted = true
		return
	}
	if pod.Status.StartTime != nil {
		w.run.StartTime = pod.Status.StartTime.Time
	}
	adoptStatuses(w.run.Inits, pod.Status.InitContainerStatuses, now)
	adoptStatuses(w.run.Mains, pod.Status.ContainerStatuses, now)
}

func adoptStatuses(runs []containerRun, statuses []corev1.ContainerStatus, now time.Time) {
	for i := range runs {
		c := &runs[i]
		for _, s := range statuses {
			if s.Name != c.Name {
				continue
			}
			c.RestartCount, c.ID = s.RestartCount, s.ContainerID
			switch t := s.State.Terminated; {
			case t != nil:
				c.Starts = int(s.RestartCount) + 1
				c.Exit = &termination{ExitCode: t.ExitCode, Reason: t.Reason, StartedAt: t.StartedAt.Time,
					FinishedAt: t.FinishedAt.Time, ID: t.ContainerID}
			case s.State.Running != nil || s.LastTerminationState.Terminated != nil:
				c.Starts = int(s.RestartCount) + 1
				c.Exit = &termination{ExitCode: 137, Reason: reasonError, FinishedAt: now, ID: s.ContainerID,
					Message: "the process died with the runner that ran it"}
			}
		}
	}
}

// notify hands the worker a newer version of its pod.
func (w *podWorker) notify(pod *corev1.Pod) {
	w.mu.Lock()
	w.latest = pod
	w.mu.Unlock()
	w.poke()
}

// markGone tells the worker its pod object is gone.
func (w *podWorker) markGone() {
	w.mu.Lock()
	w.gone = true
	w.mu.Unlock()
	w.poke()
}

func (w *podWorker) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *podWorker) take() (gone bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.latest != nil && !older(w.latest, w.pod) {
		w.pod = w.latest
	}
	w.latest = nil
	return w.gone
}

// older reports whether a is an older version of the pod than b (the cache can hand over a version from before
// the worker's own last write). Resource versions are etcd revisions here; anything else counts as newer.
func older(a, b *corev1.Pod) bool {
	x, errA := strconv.ParseUint(a.ResourceVersion, 10, 64)
	y, errB := strconv.ParseUint(b.ResourceVersion, 10, 64)
	return errA == nil && errB == nil && x < y
}

func (w *podWorker) info() PodInfo {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.summary
}

// loop runs passes until the pod is gone or the runner stops.
func (w *podWorker) loop(ctx context.Context) {
	defer w.finish()
	for {
		if w.take() {
			w.stopContainers(0, nil) // the object went without a graceful deletion: SIGKILL, as for a lost pod
			return
		}
		next := w.pass(ctx)
		if !w.wait(ctx, next) {
			w.stopContainers(w.r.opts.StopGrace, nil)
			return
		}
	}
}

// wait blocks until something happens (a newer pod, an event) or next passes (0: no deadline); it reports false
// once the runner stops. Every event already queued is handled before it returns.
func (w *podWorker) wait(ctx context.Context, next time.Duration) bool {
	var timer <-chan time.Time
	if next > 0 {
		t := time.NewTimer(next)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-ctx.Done():
		return false
	case <-w.wake:
	case ev := <-w.events:
		w.handle(ctx, ev)
	case <-timer:
	}
	for {
		select {
		case ev := <-w.events:
			w.handle(ctx, ev)
		default:
			return ctx.Err() == nil
		}
	}
}

// pass is one sync of the pod, as the kubelet's syncPod: it returns when to look again without news (0: never).
func (w *podWorker) pass(ctx context.Context) time.Duration {
	now := time.Now()
	if w.pod.DeletionTimestamp != nil {
		return w.terminate(ctx, now)
	}
	if w.adopted {
		return 0
	}
	if w.run.StartTime.IsZero() {
		w.run.StartTime = now
	}
	if !w.ready {
		if err := w.setup(ctx); err != nil {
			w.failedMount(err)
			return minDelay(errorRetry, w.writeStatus(ctx, now))
		}
	}
	next := w.syncContainers(ctx, now)
	return minDelay(next, w.writeStatus(ctx, now))
}

// minDelay is the earlier of two delays, 0 meaning none.
func minDelay(a, b time.Duration) time.Duration {
	switch {
	case a <= 0:
		return b
	case b <= 0:
		return a
	}
	return min(a, b)
}

func (w *podWorker) failedMount(err error) {
	if msg := err.Error(); msg != w.mounted {
		w.mounted = msg
		w.event(corev1.EventTypeWarning, "FailedMount", "Mount", "MountVolume.SetUp failed: %v", err)
		w.log.Info("cannot set up the pod yet", "reason", msg)
	}
}

// setup makes the pod's sandbox: its pod IP (from its node's range), its loopback address and its volumes.
func (w *podWorker) setup(ctx context.Context) error {
	if w.node == nil {
		var node corev1.Node
		if err := w.r.reader.Get(ctx, types.NamespacedName{Name: w.pod.Spec.NodeName}, &node); err != nil {
			return fmt.Errorf("read node %s: %w", w.pod.Spec.NodeName, err)
		}
		w.node = &node
	}
	if w.run.HostIP == "" {
		w.run.HostIP = nodeIP(w.node)
	}
	if w.run.PodIP == "" {
		ip, err := w.podIP()
		if err != nil {
			return err
		}
		w.run.PodIP = ip
	}
	if w.sb.Address == "" {
		addr, err := w.r.addrs.take(declaredPorts(w.pod))
		if err != nil {
			return err
		}
		w.sb = sandbox{Dir: w.r.podDir(w.pod), Address: addr, APIServer: w.r.opts.Config.Host}
		w.mu.Lock()
		w.summary.Address, w.summary.PodIP, w.summary.Dir = addr, w.run.PodIP, w.sb.Dir
		w.mu.Unlock()
		if err := w.r.writeAddressFile(); err != nil {
			w.log.Error(err, "publish address")
		}
	}
	vols, err := w.volumes().write(ctx, w.facts())
	if err != nil {
		return err
	}
	w.sb.Volumes, w.ready, w.run.SandboxReady = vols, true, true
	w.log.V(1).Info("sandbox ready", "address", w.sb.Address, "podIP", w.run.PodIP)
	return nil
}

func (w *podWorker) podIP() (string, error) {
	switch {
	case w.pod.Spec.HostNetwork:
		return w.run.HostIP, nil
	case w.pod.Status.PodIP != "":
		w.r.ips.keep(w.pod.Status.PodIP)
		return w.pod.Status.PodIP, nil
	case w.node.Spec.PodCIDR == "":
		return "", fmt.Errorf("node %s has no pod range", w.node.Name)
	}
	return w.r.ips.take(w.node.Spec.PodCIDR)
}

func nodeIP(n *corev1.Node) string {
	for _, a := range n.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			return a.Address
		}
	}
	return "127.0.0.1"
}

func declaredPorts(p *corev1.Pod) []int {
	var ports []int
	for _, list := range [][]corev1.Container{p.Spec.InitContainers, p.Spec.Containers} {
		for _, c := range list {
			for _, cp := range c.Ports {
				ports = append(ports, int(cp.ContainerPort))
			}
		}
	}
	return ports
}

func (w *podWorker) volumes() volumeWriter {
	return volumeWriter{src: objectSource{r: w.r.reader}, client: w.r.client, podDir: w.sb.Dir, runnerDir: w.r.dir}
}

func (w *podWorker) facts() podFacts {
	f := podFacts{Pod: w.pod, PodIP: w.run.PodIP, HostIP: w.run.HostIP}
	if w.node != nil {
		f.Allocatable = w.node.Status.Allocatable
	}
	return f
}

// writeStatus writes the pod's status when it differs from what the API holds, with the pod's resource version
// (optimistic concurrency, as simworld writes the member pods'). It returns when to try again (0: no need).
func (w *podWorker) writeStatus(ctx context.Context, now time.Time) time.Duration {
	want := renderStatus(w.pod, &w.run, now, w.r.opts.RestartDelay)
	if apiequality.Semantic.DeepEqual(w.pod.Status, want) {
		return 0
	}
	obj := w.pod.DeepCopy()
	obj.Status = want
	patch := client.StrategicMergeFrom(w.pod, client.MergeFromWithOptimisticLock{})
	err := w.r.client.Status().Patch(ctx, obj, patch, client.FieldOwner(FieldManager))
	switch {
	case err == nil:
		w.pod = obj
		return 0
	case apierrors.IsNotFound(err) || ctx.Err() != nil:
		return 0
	case apierrors.IsConflict(err):
		return conflictRetry
	}
	w.log.Error(err, "write pod status")
	return errorRetry
}

// terminate is the pod's graceful deletion: the containers get SIGTERM and, after the deletion's grace period,
// SIGKILL; the final status (Succeeded or Failed, from the exit codes) is written, then the pod object is deleted
// with grace 0, as the kubelet does. A pod with finalizers stays until they go.
func (w *podWorker) terminate(ctx context.Context, now time.Time) time.Duration {
	if w.adopted {
		w.stopped = true // it had finished: its status stays as it was
	}
	if !w.stopped {
		w.stopContainers(deletionGrace(w.pod), ctx.Done())
		w.run.Terminal, w.stopped = true, true
	}
	next := time.Duration(0)
	if !w.adopted {
		next = w.writeStatus(ctx, now)
	}
	if w.deleted || ctx.Err() != nil {
		return next
	}
	uid := w.uid
	err := w.r.client.Delete(ctx, w.pod, client.GracePeriodSeconds(0), client.Preconditions{UID: &uid})
	if err == nil || apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		w.deleted = true
		return next
	}
	w.log.Error(err, "delete pod")
	return errorRetry
}

func deletionGrace(p *corev1.Pod) time.Duration {
	switch {
	case p.DeletionGracePeriodSeconds != nil:
		return time.Duration(*p.DeletionGracePeriodSeconds) * time.Second
	case p.Spec.TerminationGracePeriodSeconds != nil:
		return time.Duration(*p.Spec.TerminationGracePeriodSeconds) * time.Second
	}
	return 30 * time.Second
}

// stopContainers stops every running container at once (SIGTERM, SIGKILL after grace or once abort closes) and
// records their exits; containers in which nothing runs stop with exit code 0.
func (w *podWorker) stopContainers(grace time.Duration, abort <-chan struct{}) {
	var wg sync.WaitGroup
	for name, p := range w.procs {
		w.stopProbers(name)
		w.event(corev1.EventTypeNormal, "Killing", "Kill", "Stopping container %s", name)
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.terminate(grace, abort)
		}()
	}
	wg.Wait()
	now := time.Now()
	for _, runs := range [][]containerRun{w.run.Inits, w.run.Mains} {
		for i := range runs {
			c := &runs[i]
			if p := w.procs[c.Name]; p != nil {
				*c = c.exited(p.exitCode, "", terminationMessage(p.spec, p.exitCode), p.finished)
				delete(w.procs, c.Name)
			} else if c.Running {
				*c = c.exited(0, "", "", now)
			}
		}
	}
}

// finish releases what the pod held once the worker ends.
func (w *podWorker) finish() {
	for name := range w.probers {
		w.stopProbers(name)
	}
	close(w.quit)
	w.bg.Wait()
	if w.sb.Address != "" {
		w.r.addrs.release(w.sb.Address)
	}
	if w.run.PodIP != "" && w.run.PodIP != w.run.HostIP {
		w.r.ips.release(w.run.PodIP)
	}
	if w.sb.Dir != "" {
		if err := os.RemoveAll(w.sb.Dir); err != nil {
			w.log.Error(err, "remove pod folder")
		}
	}
	w.r.forget(w)
}

// event records a Kubernetes event about the pod, as the kubelet reports container lifecycle.
func (w *podWorker) event(typ, reason, action, note string, args ...any) {
	w.r.recorder.Eventf(w.pod, nil, typ, reason, action, note, args...)
}

// send queues an event for the worker unless ctx ends or the worker is gone.
func (w *podWorker) send(ctx context.Context, ev workerEvent) {
	select {
	case w.events <- ev:
	case <-ctx.Done():
	case <-w.quit:
	}
}

package podrunner

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// syncContainers starts what should run now, as the kubelet's computePodActions: the init containers one at a
// time in order (a failed one again after the restart delay unless the policy is Never; a sidecar always, and
// the next one once it started), then every container that never started, and those the restart policy
// restarts once their delay passed. Once the main containers finished for good, the sidecars are stopped. It
// returns when the next start (or change of the shown back-off) is due, 0 for none.
func (w *podWorker) syncContainers(ctx context.Context, now time.Time) time.Duration {
	policy := w.pod.Spec.RestartPolicy
	delay := w.r.opts.RestartDelay
	if w.run.mainsFinished(policy) {
		w.stopSidecars(now)
		return 0
	}
	next := time.Duration(0)
	for i := range w.run.Inits {
		c := &w.run.Inits[i]
		if c.Sidecar && c.Initialized {
			next = minDelay(next, w.restartSidecar(ctx, c, &w.pod.Spec.InitContainers[i], now, delay))
			continue
		}
		if c.initDone() {
			continue
		}
		if c.Running {
			return 0
		}
		if c.Exit != nil && policy == corev1.RestartPolicyNever && !c.Sidecar {
			return 0 // the pod failed
		}
		if wait := w.due(c, now, delay); wait > 0 {
			return wait
		}
		w.startContainer(ctx, c, &w.pod.Spec.InitContainers[i], now)
		if !c.initDone() {
			return w.due(c, now, delay)
		}
	}
	for i := range w.run.Mains {
		c := &w.run.Mains[i]
		if c.Running || (c.Starts > 0 && !c.restartable(policy)) {
			continue
		}
		if wait := w.due(c, now, delay); wait > 0 {
			next = minDelay(next, wait)
			continue
		}
		w.startContainer(ctx, c, &w.pod.Spec.Containers[i], now)
		next = minDelay(next, w.due(c, now, delay))
	}
	return next
}

// restartSidecar starts a sidecar that exited after it had started, once its restart delay passed, whatever the
// pod's restart policy; the main containers go on meanwhile. It returns when it is due (0: it runs).
func (w *podWorker) restartSidecar(ctx context.Context, c *containerRun, spec *corev1.Container, now time.Time,
	delay time.Duration) time.Duration {
	if c.Running {
		return 0
	}
	if wait := w.due(c, now, delay); wait > 0 {
		return wait
	}
	w.startContainer(ctx, c, spec, now)
	return w.due(c, now, delay)
}

// stopSidecars stops the running sidecars once the main containers finished (SIGTERM, SIGKILL after the pod's
// grace period), as the kubelet does; a sidecar in which nothing runs stops at once.
func (w *podWorker) stopSidecars(now time.Time) {
	grace := deletionGrace(w.pod)
	for i := range w.run.Inits {
		c := &w.run.Inits[i]
		if !c.Sidecar || !c.Running || c.Stopping {
			continue
		}
		p := w.procs[c.Name]
		if p == nil {
			*c = c.exited(0, "", "", now)
			continue
		}
		c.Stopping = true
		w.stopProbers(c.Name)
		w.event(corev1.EventTypeNormal, "Killing", "Kill", "Stopping container %s", c.Name)
		w.bg.Add(1)
		go func() {
			defer w.bg.Done()
			p.terminate(grace, w.quit)
		}()
	}
}

// due is how long until a container that is down may start: after a config error, errorRetry; after an exit,
// the restart delay (with a stop half-way, when the status shows the back-off). 0: now (or it runs).
func (w *podWorker) due(c *containerRun, now time.Time, delay time.Duration) time.Duration {
	if c.Running {
		return 0
	}
	if c.Waiting != nil {
		return max(0, w.retryAt[c.Name].Sub(now))
	}
	if c.Exit == nil {
		return 0
	}
	if show := c.Exit.FinishedAt.Add(backOffShown(delay)).Sub(now); show > 0 {
		return show
	}
	return max(0, c.Exit.FinishedAt.Add(delay).Sub(now))
}

// startContainer creates and starts one container: its volumes written afresh, its environment resolved, its
// process started with the pod's loopback address and the member map, and its probes. A container in which
// nothing runs starts (an init container: completes) at once.
func (w *podWorker) startContainer(ctx context.Context, c *containerRun, spec *corev1.Container, now time.Time) {
	if !c.Played {
		*c = c.start(w.uid, now)
		if c.Init && !c.Sidecar {
			*c = c.exited(0, "", "", now)
		}
		return
	}
	es, err := w.execSpec(ctx, spec, c.Starts)
	switch {
	case errors.Is(err, errStart):
		*c = c.failedToStart(w.uid, err.Error(), now)
		w.event(corev1.EventTypeWarning, "Failed", "Start", "Error: %v", err)
		return
	case err != nil:
		*c = c.configError(err.Error())
		w.retryAt[c.Name] = now.Add(errorRetry)
		w.event(corev1.EventTypeWarning, "Failed", "Create", "Error: %v", err)
		return
	}
	p, err := startProcess(es)
	if err != nil {
		*c = c.failedToStart(w.uid, err.Error(), now)
		w.event(corev1.EventTypeWarning, "Failed", "Start", "Error: %v", err)
		return
	}
	*c = c.start(w.uid, now)
	w.procs[c.Name] = p
	w.r.record(w.key, c.Name, p)
	name := c.Name
	w.bg.Add(1)
	go func() {
		defer w.bg.Done()
		<-p.done
		w.send(context.Background(), workerEvent{container: name, proc: p, exit: true})
	}()
	w.startProbers(spec, p, es, false)
	w.event(corev1.EventTypeNormal, "Started", "Start", "Started container %s", c.Name)
	w.log.V(1).Info("container started", "container", c.Name, "pid", p.pid, "restartCount", c.RestartCount)
}

// execSpec resolves what a container runs, its API-backed volumes written afresh first; the n-th start logs to
// <logs>/<container>/<n>.log.
func (w *podWorker) execSpec(ctx context.Context, spec *corev1.Container, n int) (execSpec, error) {
	img := w.r.opts.Images[spec.Image]
	f := w.facts()
	if _, err := w.volumes().write(ctx, f); err != nil {
		return execSpec{}, err
	}
	access, err := w.apiAccessEnv(spec)
	if err != nil {
		return execSpec{}, err
	}
	env, err := containerEnv(ctx, objectSource{r: w.r.reader}, f, spec, append(w.devEnv(), access...))
	if err != nil {
		return execSpec{}, err
	}
	log := filepath.Join(w.r.logDir(w.pod), spec.Name, strconv.Itoa(n)+".log")
	return buildExec(img, w.pod, spec, env, w.sb, log)
}

// devEnv are the development-only variables every process gets.
func (w *podWorker) devEnv() []envVar {
	vars := []envVar{{EnvBindAddress, w.sb.Address}}
	if w.r.opts.MemberMap != "" {
		vars = append(vars, envVar{EnvMemberMap, w.r.opts.MemberMap})
	}
	if w.r.opts.ServiceMap != "" {
		vars = append(vars, envVar{EnvServiceMap, w.r.opts.ServiceMap})
	}
	return vars
}

// startProbers starts a container's startup probe, or (without one, or once it passed) its readiness and
// liveness probes, all against the pod's loopback address. It stops the container's earlier probes.
func (w *podWorker) startProbers(spec *corev1.Container, p *process, es execSpec, startupPassed bool) {
	w.stopProbers(spec.Name)
	ctx, cancel := context.WithCancel(context.Background())
	w.probers[spec.Name] = cancel
	target := probeTarget{Host: w.sb.Address, Ports: spec.Ports,
		Exec: execProbe(es, filepath.Join(w.r.logDir(w.pod), spec.Name, "probe.log"))}
	launch := func(kind probeKind, probe *corev1.Probe) {
		if probe == nil {
			return
		}
		pr := prober{Kind: kind, Probe: probe, Target: target, Period: w.r.opts.ProbePeriod,
			Report: func(ok bool, msg string) {
				w.send(ctx, workerEvent{container: spec.Name, proc: p, probe: kind, ok: ok, msg: msg})
			}}
		w.bg.Add(1)
		go func() {
			defer w.bg.Done()
			pr.run(ctx)
		}()
	}
	if !startupPassed && spec.StartupProbe != nil {
		launch(probeStartup, spec.StartupProbe)
		return
	}
	launch(probeReadiness, spec.ReadinessProbe)
	launch(probeLiveness, spec.LivenessProbe)
}

func (w *podWorker) stopProbers(name string) {
	if cancel := w.probers[name]; cancel != nil {
		cancel()
		delete(w.probers, name)
	}
}

// execProbe runs an exec probe's command in the container: the image's binary with the container's environment
// (the image holds nothing else). Exit code 0 passes.
func execProbe(es execSpec, log string) func(context.Context, []string) error {
	return func(ctx context.Context, command []string) error {
		probe, err := es.inContainer(command, log)
		if err != nil {
			return err
		}
		p, err := startProcess(probe)
		if err != nil {
			return err
		}
		select {
		case <-p.done:
		case <-ctx.Done():
			p.kill()
			return fmt.Errorf("command timed out: %w", ctx.Err())
		}
		if p.exitCode != 0 {
			return fmt.Errorf("command %q exited with %d", command, p.exitCode)
		}
		return nil
	}
}

// container returns the record of a container by name.
func (w *podWorker) container(name string) (*containerRun, *corev1.Container) {
	for i := range w.run.Inits {
		if w.run.Inits[i].Name == name {
			return &w.run.Inits[i], &w.pod.Spec.InitContainers[i]
		}
	}
	for i := range w.run.Mains {
		if w.run.Mains[i].Name == name {
			return &w.run.Mains[i], &w.pod.Spec.Containers[i]
		}
	}
	return nil, nil
}

// handle applies a process exit or a probe result to the container it is about (ignored when that process is
// no longer the container's).
func (w *podWorker) handle(_ context.Context, ev workerEvent) {
	c, spec := w.container(ev.container)
	if c == nil || w.procs[ev.container] != ev.proc {
		return
	}
	switch {
	case ev.exit:
		*c = c.exited(ev.proc.exitCode, "", terminationMessage(ev.proc.spec, ev.proc.exitCode), ev.proc.finished)
		delete(w.procs, ev.container)
		w.stopProbers(ev.container)
		w.log.V(1).Info("container exited", "container", ev.container, "exitCode", ev.proc.exitCode)
	case ev.probe == probeReadiness:
		if c.Running && c.Started {
			c.Ready = ev.ok
		}
		if !ev.ok {
			w.event(corev1.EventTypeWarning, "Unhealthy", "Probe", "Readiness probe failed: %s", ev.msg)
		}
	case ev.probe == probeStartup && ev.ok:
		*c = c.startupPassed()
		w.startProbers(spec, ev.proc, ev.proc.spec, true)
	default: // the startup probe gave up or the liveness probe failed: the container is killed and restarted
		w.event(corev1.EventTypeWarning, "Unhealthy", "Probe", "%s probe failed: %s", ev.probe, ev.msg)
		w.event(corev1.EventTypeNormal, "Killing", "Kill", "Container %s failed %s probe, will be restarted",
			ev.container, ev.probe)
		w.stopProbers(ev.container)
		grace := probeGrace(w.pod, spec, ev.probe)
		w.bg.Add(1)
		go func() {
			defer w.bg.Done()
			ev.proc.terminate(grace, w.quit)
		}()
	}
}

// probeGrace is the grace a probe kill gives: the probe's terminationGracePeriodSeconds, else the pod's.
func probeGrace(pod *corev1.Pod, spec *corev1.Container, kind probeKind) time.Duration {
	probe := spec.LivenessProbe
	if kind == probeStartup {
		probe = spec.StartupProbe
	}
	if probe != nil && probe.TerminationGracePeriodSeconds != nil {
		return time.Duration(*probe.TerminationGracePeriodSeconds) * time.Second
	}
	if pod.Spec.TerminationGracePeriodSeconds != nil {
		return time.Duration(*pod.Spec.TerminationGracePeriodSeconds) * time.Second
	}
	return 30 * time.Second
}

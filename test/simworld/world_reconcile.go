package simworld

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/test/mysqlsim"
)

// Reconcile makes one pod's member match the pod: observe, plan, then apply the steps in order.
func (w *World) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	key := req.NamespacedName
	o, pod, err := w.observe(ctx, key)
	if err != nil {
		return reconcile.Result{}, err
	}
	for _, s := range plan(o) {
		if err := w.apply(ctx, s, key, pod, o); err != nil {
			return reconcile.Result{}, fmt.Errorf("%s member %s: %w", s, key, err)
		}
	}
	next, err := w.syncContainer(ctx, key, pod)
	if err != nil {
		return reconcile.Result{}, err
	}
	if d := w.opts.ContainerRestartDelay; d > 0 && o.Pod == podRunning {
		// Look again to restart an exited mysqld like the kubelet would (its exit itself wakes the pod up).
		poll := min(max(d/4, 100*time.Millisecond), 2*time.Second)
		if next == 0 || poll < next {
			next = poll
		}
	}
	return reconcile.Result{RequeueAfter: next}, nil
}

// restartDue notes when a member is down while its own pod runs and says whether the kubelet's container
// restart delay has passed.
func (w *World) restartDue(rec *member, pod *corev1.Pod, up bool) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if up || pod == nil || pod.UID != rec.podUID || phaseOf(pod) != podRunning || w.opts.ContainerRestartDelay <= 0 {
		rec.downSince = time.Time{}
		return false
	}
	if rec.downSince.IsZero() {
		rec.downSince = time.Now()
	}
	return time.Since(rec.downSince) >= w.opts.ContainerRestartDelay
}

// observe reads the pod and its data claim from the cache and the member from the world.
func (w *World) observe(ctx context.Context, key types.NamespacedName) (observation, *corev1.Pod, error) {
	var o observation
	pod := &corev1.Pod{}
	if err := w.cache.Get(ctx, key, pod); apierrors.IsNotFound(err) {
		pod = nil
	} else if err != nil {
		return o, nil, fmt.Errorf("get pod %s: %w", key, err)
	}
	w.mu.Lock()
	rec, tomb := w.members[key], w.tombstones[key]
	w.mu.Unlock()
	claimName := specs.DatadirVolume + "-" + key.Name
	if rec != nil {
		o.Member = &memberFacts{Up: rec.sim.Up(), PodUID: rec.podUID, ClaimUID: rec.claimUID}
		o.Graceful = tomb != "" && tomb == rec.podUID
		if rec.claimName != "" {
			claimName = rec.claimName
		}
	}
	if pod != nil {
		o.PodUID = pod.UID
		o.Pod = phaseOf(pod)
		if refs, err := readPod(pod); err == nil && refs.Claim != "" {
			claimName = refs.Claim
		}
	}
	if rec != nil {
		o.RestartDue = w.restartDue(rec, pod, o.Member.Up)
	}
	claim := &corev1.PersistentVolumeClaim{}
	err := w.cache.Get(ctx, types.NamespacedName{Namespace: key.Namespace, Name: claimName}, claim)
	switch {
	case err == nil:
		o.ClaimUID = claim.UID
	case !apierrors.IsNotFound(err):
		return o, nil, fmt.Errorf("get claim %s/%s: %w", key.Namespace, claimName, err)
	}
	return o, pod, nil
}

func phaseOf(p *corev1.Pod) podPhase {
	switch {
	case p.DeletionTimestamp != nil:
		return podTerminating
	case p.Status.Phase == corev1.PodRunning:
		return podRunning
	}
	return podPending
}

func (w *World) apply(ctx context.Context, s step, key types.NamespacedName, pod *corev1.Pod, o observation) error {
	if s != stepPublish && s != stepUnpublish {
		w.log.V(1).Info("member step", "member", key.String(), "step", s.String(), "pod", o.Pod.String())
	}
	switch s {
	case stepWipe:
		return w.wipe(key)
	case stepCreate:
		return w.create(ctx, key, pod, o.ClaimUID)
	case stepRestart:
		return w.restart(ctx, key, pod)
	case stepShutdown:
		w.shutdown(ctx, key)
	case stepCrash:
		rec := w.record(key)
		w.noteStop(rec, exitKilled)
		rec.sim.Crash()
		w.log.Info("member crashed with its pod", "member", key.String())
	case stepPublish:
		return w.publish(key)
	case stepUnpublish:
		return w.unpublish(key)
	}
	return nil
}

func (w *World) record(key types.NamespacedName) *member {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.members[key]
}

// create initialises the member's data folder (first start on a new claim) and boots it.
func (w *World) create(ctx context.Context, key types.NamespacedName, pod *corev1.Pod, claimUID types.UID) error {
	refs, err := readPod(pod)
	if err != nil {
		// The pod spec does not change: retrying cannot help.
		return reconcile.TerminalError(err)
	}
	cfg, err := w.configFor(ctx, key, refs)
	if err != nil {
		return err
	}
	if cfg.Host, err = w.addrs.assign(key.String(), []int{cfg.Port, cfg.XPort}); err != nil {
		return err
	}
	ck := clusterKey{Namespace: key.Namespace, Name: refs.Cluster}
	c, err := w.clusterFor(ck)
	if err != nil {
		return err
	}
	network := w.podNetwork(ctx, pod)
	network.apply(&cfg)
	sim, err := c.group.AddMember(cfg)
	if sim == nil {
		return fmt.Errorf("boot: %w", err)
	}
	if err != nil {
		// The image's initialisation failed: the member exists, down, and its container exits (kubelet's
		// status follows); every later start fails the same way until the claim is wiped.
		w.log.Info("member initialisation failed", "member", key.String(), "error", err.Error())
	}
	rec := &member{cluster: ck, sim: sim, cfg: cfg, podUID: pod.UID, claimUID: claimUID, claimName: refs.Claim,
		names: []string{memberHost(key.Name, key.Namespace, refs.Init), key.Name}, starts: 1, network: network}
	w.mu.Lock()
	w.members[key] = rec
	delete(w.tombstones, key)
	w.mu.Unlock()
	w.log.Info("member initialised and booted", "member", key.String(), "address", cfg.Host,
		"reportHost", rec.names[0], "serverUUID", sim.UUID(), "version", sim.Version())
	return nil
}

// configFor reads the pod's ConfigMap and Secret (uncached: Secrets are not watched) and builds the member's
// configuration.
func (w *World) configFor(ctx context.Context, key types.NamespacedName,
	refs podRefs) (cfg mysqlsim.MemberConfig, err error) {
	var cm corev1.ConfigMap
	if err := w.reader.Get(ctx, types.NamespacedName{Namespace: key.Namespace, Name: refs.ConfigMap}, &cm); err != nil {
		return cfg, fmt.Errorf("read ConfigMap %s (the pod's my.cnf): %w", refs.ConfigMap, err)
	}
	shared, ok := cm.Data[specs.MyCnfKey]
	if !ok {
		return cfg, fmt.Errorf("ConfigMap %s has no %s", refs.ConfigMap, specs.MyCnfKey)
	}
	var sec corev1.Secret
	if err := w.reader.Get(ctx, types.NamespacedName{Namespace: key.Namespace, Name: refs.Secret}, &sec); err != nil {
		return cfg, fmt.Errorf("read Secret %s (MYSQL_ROOT_PASSWORD): %w", refs.Secret, err)
	}
	pw, ok := sec.Data[refs.SecretKey]
	if !ok {
		return cfg, fmt.Errorf("secret %s has no key %s", refs.Secret, refs.SecretKey)
	}
	cfg, err = memberConfig(memberInput{Pod: key.Name, Namespace: key.Namespace, Refs: refs, SharedCnf: shared,
		RootPassword: string(pw)})
	if err != nil {
		return cfg, err
	}
	cfg.TLS, err = w.memberTLS(ctx, key.Namespace, refs, cfg.Options)
	return cfg, err
}

// restart boots the member again, with the data it had, for its pod's successor or in its pod (container
// restart).
func (w *World) restart(ctx context.Context, key types.NamespacedName, pod *corev1.Pod) error {
	rec := w.record(key)
	reason, network := "new pod", rec.network
	var err error
	if rec.podUID == pod.UID {
		reason = "container restart"
		err = rec.sim.Restart()
	} else {
		// A new pod runs its own image and my.cnf (a new StatefulSet revision): mysqld boots with them on the
		// data it had.
		network = w.podNetwork(ctx, pod)
		err = w.restartWith(ctx, key, pod, rec, network)
	}
	w.mu.Lock()
	if rec.podUID == pod.UID {
		rec.starts++
	} else {
		rec.starts = 1
	}
	rec.podUID, rec.downSince, rec.stop, rec.network = pod.UID, time.Time{}, stopNote{}, network
	delete(w.tombstones, key)
	w.mu.Unlock()
	if err != nil {
		return err
	}
	w.log.Info("member restarted", "member", key.String(), "reason", reason, "serverUUID", rec.sim.UUID(),
		"gtidExecuted", rec.sim.GTIDExecuted().String())
	return nil
}

// restartWith boots the member with the new pod's version and configuration, on the data it had.
func (w *World) restartWith(ctx context.Context, key types.NamespacedName, pod *corev1.Pod, rec *member,
	network PodNetwork) error {
	refs, err := readPod(pod)
	if err != nil {
		return reconcile.TerminalError(err)
	}
	cfg, err := w.configFor(ctx, key, refs)
	if err != nil {
		return err
	}
	cfg.Host = rec.cfg.Host // the member keeps its loopback address
	network.apply(&cfg)
	if cfg.Version != rec.cfg.Version {
		w.log.Info("member boots a new version", "member", key.String(), "from", rec.cfg.Version, "to", cfg.Version)
	}
	w.mu.Lock()
	rec.cfg = cfg
	w.mu.Unlock()
	return rec.sim.RestartWith(cfg)
}

// shutdown stops mysqld as SIGTERM does: SHUTDOWN leaves the group cleanly when a majority is reachable.
func (w *World) shutdown(ctx context.Context, key types.NamespacedName) {
	w.stopClean(ctx, w.record(key))
	w.mu.Lock()
	delete(w.tombstones, key)
	w.mu.Unlock()
	w.log.Info("member shut down with its pod", "member", key.String())
}

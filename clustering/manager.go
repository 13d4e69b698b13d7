// Package clustering runs one loop per InnoDBCluster: observe the members, ask topology for a decision, run at
// most ONE action, write status, repeat. It is woken by reconciles and by Group Replication notices, and
// resyncs on a timer. SQL runs only here (through an Executor), never inside a Reconcile.
package clustering

import (
	"context"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/recorder"
)

// Manager owns the per-cluster loops. It is a controller-runtime Runnable that needs leader election:
// only the leader acts on groups.
type Manager struct {
	// Client reads clusters and pods (cached) and writes status, labels and pod conditions.
	Client client.Client
	// UserSecrets reads the Secret spec.secretName names (the cache holds only Orca's own Secrets); APIReader
	// when nil.
	UserSecrets UserSecrets
	// APIReader reads the user's Secret when UserSecrets is nil; Client when both are nil.
	APIReader client.Reader
	// ClusterZone is the cluster DNS zone of members' report_host; cluster.local when empty.
	ClusterZone string
	// Executor runs SQL against members.
	Executor Executor
	// Recorder emits events on the cluster.
	Recorder recorder.EventRecorder
	// Interval is the resync period of each loop. Default 10s.
	Interval time.Duration
	// ActionTimeout bounds every action when set; otherwise each kind has its own bound (actionTimeout).
	ActionTimeout time.Duration
	// CloneTimeout bounds a clone. Default 1h.
	CloneTimeout time.Duration
	// StatusTimeout bounds querying one member. Default 3s.
	StatusTimeout time.Duration
	// SwitchoverMaxQueue is the largest applier queue a switchover target may have (topology); negative
	// disables the check. Default 100.
	SwitchoverMaxQueue *int64
	// ShutdownGrace is how long an action in flight may go on after the manager is stopped before it is
	// cancelled (its clean-up still runs). Default 20s.
	ShutdownGrace time.Duration
	// Log is the base logger. Default: discard.
	Log logr.Logger
	// Monitor, when set, watches every member over the X Protocol and wakes loops on changes and GR notices.
	Monitor *Monitor
	// Sink, when set, receives every pass's observed members (the DNS records follow them).
	Sink ObservationSink
	// OnPass, when set, is called after every completed pass with its error (nil, or why it ended early).
	OnPass func(key types.NamespacedName, err error)
	// Metrics, when set, receives every pass, action and primary change (Prometheus).
	Metrics Metrics

	mu         sync.Mutex
	monitorMu  sync.Mutex // orders Monitor.Sync against Forget; taken before mu, never while holding it
	ctx        context.Context
	actionBase context.Context // parent of every action: ends ShutdownGrace after ctx
	loops      map[types.NamespacedName]*loop
	wg         sync.WaitGroup // loops
	actions    sync.WaitGroup // actions in flight
	seq        uint64
}

// Start runs until ctx ends, then stops every loop. An action in flight gets ShutdownGrace to finish before
// it is cancelled; its clean-up (a bootstrap flag, forced members, super_read_only) runs either way.
func (m *Manager) Start(ctx context.Context) error {
	base, cancelActions := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelActions()
	m.mu.Lock()
	m.ctx, m.actionBase = ctx, base
	pending := make([]types.NamespacedName, 0, len(m.loops))
	for k := range m.loops {
		pending = append(pending, k)
	}
	m.mu.Unlock()
	for _, k := range pending {
		m.Wake(k)
	}
	<-ctx.Done()
	m.mu.Lock()
	for k, l := range m.loops {
		if l.cancel != nil {
			l.cancel()
		}
		delete(m.loops, k)
	}
	m.mu.Unlock()
	m.wg.Wait()
	m.drainActions(cancelActions)
	m.Monitor.Close()
	if k, ok := m.Executor.(sessionKeeper); ok {
		k.Close()
	}
	return nil
}

// sessionKeeper is an Executor that keeps members' sessions open between passes (SQLExecutor with Sessions).
type sessionKeeper interface {
	Forget(types.NamespacedName)
	Close()
}

// drainActions waits for the actions in flight, cancelling them after the shutdown grace.
func (m *Manager) drainActions(cancel context.CancelFunc) {
	done := make(chan struct{})
	go func() { m.actions.Wait(); close(done) }()
	select {
	case <-done:
		return
	case <-time.After(orDefault(m.ShutdownGrace, 20*time.Second)):
		m.Log.Info("cancelling the actions still running at shutdown")
		cancel()
	}
	<-done
}

// UserSecrets reads the user's Secrets by name (namedsecrets.Watcher).
type UserSecrets interface {
	// Get returns the Secret the cluster (user) reads; NotFound when it does not exist.
	Get(ctx context.Context, user, secret types.NamespacedName) (*corev1.Secret, error)
}

// NeedLeaderElection makes only the leader run loops.
func (m *Manager) NeedLeaderElection() bool { return true }

// Wake makes the cluster's loop run a pass now, starting the loop when it does not run yet.
func (m *Manager) Wake(key types.NamespacedName) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.loops == nil {
		m.loops = map[types.NamespacedName]*loop{}
	}
	l, ok := m.loops[key]
	if !ok {
		l = &loop{key: key, m: m, wake: make(chan struct{}, 1)}
		m.loops[key] = l
	}
	if m.ctx != nil && l.cancel == nil {
		ctx, cancel := context.WithCancel(m.ctx)
		l.cancel = cancel
		l.actionCtx, l.actionCancel = context.WithCancel(m.actionBase)
		m.wg.Add(1)
		go func() { defer m.wg.Done(); l.run(ctx) }()
	}
	select {
	case l.wake <- struct{}{}:
	default: // a pass is already pending
	}
}

// Poke makes the cluster's loop run a pass now if it runs; unlike Wake it never starts one, so a member
// notice arriving after the cluster was deleted cannot bring its loop back.
func (m *Manager) Poke(key types.NamespacedName) {
	m.mu.Lock()
	l := m.loops[key]
	m.mu.Unlock()
	if l != nil {
		l.poke()
	}
}

// syncMonitor points the monitor at the cluster's members, unless the loop was forgotten meanwhile (its pass
// was in flight when the cluster was deleted): holding monitorMu orders it against Forget, so a forgotten
// cluster gets no prober back. mu is not held while the monitor works: closing a prober waits for its
// watchers, whose notices Poke, which takes mu.
func (m *Manager) syncMonitor(l *loop, info *ClusterInfo) bool {
	m.monitorMu.Lock()
	defer m.monitorMu.Unlock()
	m.mu.Lock()
	current := m.loops[l.key] == l
	m.mu.Unlock()
	if current {
		m.Monitor.Sync(info)
	}
	return current
}

// Running reports whether the cluster has a loop (for tests).
func (m *Manager) Running(key types.NamespacedName) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.loops[key]
	return ok
}

// Forget stops the cluster's loop and its monitor for good: a pass in flight ends without acting or publishing,
// and only a reconcile of a cluster that exists (Wake) starts a loop again.
func (m *Manager) Forget(key types.NamespacedName) {
	m.monitorMu.Lock()
	defer m.monitorMu.Unlock()
	m.mu.Lock()
	if l, ok := m.loops[key]; ok {
		if l.cancel != nil {
			l.cancel()
			l.actionCancel() // the cluster is gone: so is any reason to finish its action
		}
		delete(m.loops, key)
	}
	m.mu.Unlock()
	m.Monitor.Forget(key) // without mu: its watchers' last notices Poke
	if k, ok := m.Executor.(sessionKeeper); ok {
		k.Forget(key)
	}
	if m.Metrics != nil {
		m.Metrics.Forget(key)
	}
}

func (m *Manager) nextOperationID() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seq++
	return m.seq
}

func (m *Manager) interval() time.Duration { return orDefault(m.Interval, 10*time.Second) }

func (m *Manager) switchoverMaxQueue() int64 {
	if m.SwitchoverMaxQueue != nil {
		return *m.SwitchoverMaxQueue
	}
	return 100
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

package clustering

import (
	"context"
	"errors"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/orca-operator/orca/topology"
)

// errPassDone ends a pass early without it being a failure (the cluster is gone or being deleted).
var errPassDone = errors.New("pass ended")

type loop struct {
	key    types.NamespacedName
	m      *Manager
	wake   chan struct{}
	cancel context.CancelFunc

	// actionCtx bounds the loop's actions: it outlives the loop's own context by the manager's shutdown grace,
	// and ends at once when the cluster is forgotten.
	actionCtx    context.Context
	actionCancel context.CancelFunc

	mu      sync.Mutex
	running *inflight         // the action in flight, nil when none
	failed  *failure          // the last action that failed, until one succeeds
	causes  map[string]string // member -> why it could not be queried on the last pass (unreachableCause)
	// ended counts the actions that ended: a pass acts only if none ended while it observed, since its view of
	// the members may predate what that action did (a member it stopped, a pod it deleted).
	ended uint64
	// deleted are the pods this loop deleted (pod -> UID) until the cache shows it: the next pass, woken at
	// once by the member's GR notice, may read the pod from an informer that has not seen the delete yet.
	deleted map[string]types.UID

	primaries primaryWatch // passes only
}

// inflight is an action running in its own goroutine while passes go on observing and publishing.
type inflight struct {
	action  topology.Action
	started time.Time
}

// failure is an action that ended in an error.
type failure struct {
	action topology.Action
	err    error
}

// run executes passes on wake-ups and on the resync timer; a failed pass is retried with backoff.
func (l *loop) run(ctx context.Context) {
	ticker := time.NewTicker(l.m.interval())
	defer ticker.Stop()
	backoff := time.Duration(0)
	for {
		var retry <-chan time.Time
		if backoff > 0 {
			retry = time.After(backoff)
		}
		select {
		case <-ctx.Done():
			return
		case <-l.wake:
		case <-ticker.C:
		case <-retry:
		}
		err := l.pass(ctx)
		if l.m.OnPass != nil {
			l.m.OnPass(l.key, err)
		}
		switch {
		case err == nil || errors.Is(err, errPassDone):
			backoff = 0
		case backoff == 0:
			backoff = 500 * time.Millisecond
		default:
			backoff = min(backoff*2, 30*time.Second)
		}
	}
}

// pass observes, decides, starts the decision's first action unless one is in flight, and publishes what the
// group reports: labels, gates and status never wait for an action.
func (l *loop) pass(ctx context.Context) (err error) {
	start := time.Now()
	defer func() { l.m.metricsPass(l.key, start, err) }()
	endedBefore := l.actionsEnded()
	opID := l.m.nextOperationID()
	logger := l.m.Log.WithValues("cluster", l.key.String(), "operationId", opID)
	ctx = log.IntoContext(ctx, logger)
	obs, err := l.observe(ctx)
	if err != nil {
		if !errors.Is(err, errPassDone) && !isConflict(err) {
			logger.Error(err, "observe failed")
		}
		return err
	}
	if ctx.Err() != nil {
		return errPassDone // the cluster was forgotten while its members were queried: act on nothing
	}
	decision := decide(obs)
	l.observed(obs, &decision)
	if err := obs.demotion.finish(obs); err != nil {
		if !isConflict(err) {
			logger.Error(err, "demote stale members failed")
		}
		return err
	}
	running := l.current()
	if a, ok := decision.Next(); ok && running == nil && l.actionsEnded() == endedBefore {
		running = l.start(ctx, obs, a)
	}
	l.primarySeen(decision.Primary, running)
	if err := l.publish(ctx, obs, &decision, running, l.lastFailure()); err != nil {
		if !isConflict(err) {
			logger.Error(err, "publish failed")
		}
		return err
	}
	return nil
}

// poke asks for a pass without waiting.
func (l *loop) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *loop) current() *inflight {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.running
}

func (l *loop) lastFailure() *failure {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.failed
}

// start runs the action in its own goroutine, bounded by its kind's timeout, and wakes the loop when it ends.
func (l *loop) start(ctx context.Context, o *observation, a topology.Action) *inflight {
	in := &inflight{action: a, started: time.Now()}
	l.mu.Lock()
	l.running = in
	l.mu.Unlock()
	logger := log.FromContext(ctx).WithValues("action", string(a.Kind), "member", a.Member)
	actx, cancel := context.WithTimeout(log.IntoContext(l.actionCtx, logger), l.m.actionTimeout(a.Kind))
	l.m.actions.Add(1)
	go func() {
		defer l.m.actions.Done()
		defer cancel()
		err := l.act(actx, o, a)
		l.m.metricsAction(l.key, in, err)
		l.actionEnded(a, err)
	}()
	return in
}

// actionEnded records the end of the action in flight and wakes the loop: one action, then a pass that
// observes what it did.
func (l *loop) actionEnded(a topology.Action, err error) {
	l.mu.Lock()
	l.running = nil
	l.ended++
	l.failed = nil
	if err != nil {
		l.failed = &failure{action: a, err: err}
	}
	l.mu.Unlock()
	l.poke()
}

func (l *loop) actionsEnded() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ended
}

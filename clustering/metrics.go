package clustering

import (
	"errors"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/orca-operator/orca/topology"
)

// Metrics receives what the loops do (internal/opmetrics.Loops in the operator). Its methods must not block.
type Metrics interface {
	// Pass is one pass of cluster (observe, decide, start at most one action, publish) and how long it took.
	Pass(cluster types.NamespacedName, took time.Duration, err error)
	// Action is an action of kind that ended, with its error.
	Action(cluster types.NamespacedName, kind string, took time.Duration, err error)
	// PrimaryChanged is a primary that moved from one member to another: switchover when a Switchover
	// action was running or had just run, else a failover (the group elected a new primary).
	PrimaryChanged(cluster types.NamespacedName, switchover bool)
	// Forget drops a deleted cluster's series.
	Forget(cluster types.NamespacedName)
}

// primaryWatch follows a loop's primary between passes, to tell failovers from switchovers.
type primaryWatch struct {
	last       string // the last primary seen, never cleared by a pass without one
	switchover bool   // a Switchover started since the last change
}

// observe returns whether the primary moved from one member to another, and whether a switchover did it. A
// pass with no primary (during a failover) keeps the last one; a switchover that ended without a change is
// forgotten on the first pass that sees no action running.
func (w *primaryWatch) observe(primary string, running *inflight) (changed, switchover bool) {
	if running != nil && running.action.Kind == topology.ActionSwitchover {
		w.switchover = true
	}
	switch {
	case primary == "":
		return false, false
	case w.last == "" || primary == w.last:
		w.last = primary
		if running == nil {
			w.switchover = false
		}
		return false, false
	}
	w.last, changed, switchover = primary, true, w.switchover
	w.switchover = false
	return changed, switchover
}

func (m *Manager) metricsPass(key types.NamespacedName, start time.Time, err error) {
	if errors.Is(err, errPassDone) {
		err = nil // the cluster is gone or being deleted: not a failed pass
	}
	if m.Metrics != nil {
		m.Metrics.Pass(key, time.Since(start), err)
	}
}

func (m *Manager) metricsAction(key types.NamespacedName, in *inflight, err error) {
	if m.Metrics != nil {
		m.Metrics.Action(key, string(in.action.Kind), time.Since(in.started), err)
	}
}

// primarySeen feeds the primary watch after a pass's decision.
func (l *loop) primarySeen(primary string, running *inflight) {
	if changed, switchover := l.primaries.observe(primary, running); changed && l.m.Metrics != nil {
		l.m.Metrics.PrimaryChanged(l.key, switchover)
	}
}

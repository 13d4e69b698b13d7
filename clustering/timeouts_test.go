package clustering

import (
	"context"
	"testing"
	"time"

	"github.com/go-logr/logr"

	"github.com/orca-operator/orca/topology"
)

// Every action kind has its own bound, a clone the longest.
func TestEveryActionKindHasABound(t *testing.T) {
	m := &Manager{}
	for _, k := range []topology.ActionKind{topology.ActionBootstrapGroup, topology.ActionRebootGroup,
		topology.ActionForceQuorum, topology.ActionJoinMember, topology.ActionRejoinMember, topology.ActionCloneMember,
		topology.ActionRemoveMember, topology.ActionSwitchover, topology.ActionUpgradeMember,
		topology.ActionResetVariables, topology.ActionRotateCredentials, topology.ActionAdoptMember} {
		if _, ok := actionTimeouts[k]; !ok && k != topology.ActionCloneMember {
			t.Errorf("%s has no bound of its own", k)
		}
		if d := m.actionTimeout(k); d <= 0 || d > m.actionTimeout(topology.ActionCloneMember) {
			t.Errorf("%s bound %s", k, d)
		}
	}
}

// At shutdown an action in flight gets the grace to finish; one that does not is cancelled, and the drain
// returns once it ended.
func TestShutdownDrainsActions(t *testing.T) {
	m := &Manager{ShutdownGrace: 50 * time.Millisecond, Log: logr.Discard()}
	base, cancel := context.WithCancel(context.Background())
	finished, stuck := make(chan struct{}), make(chan struct{})
	m.actions.Add(2)
	go func() { defer m.actions.Done(); close(finished) }()
	go func() {
		defer m.actions.Done()
		<-base.Done() // an action that only ends when cancelled
		close(stuck)
	}()
	start := time.Now()
	m.drainActions(cancel)
	select {
	case <-stuck:
	default:
		t.Fatal("the drain returned before the cancelled action ended")
	}
	<-finished
	if time.Since(start) < m.ShutdownGrace {
		t.Fatal("the stuck action was cancelled before its grace")
	}
}

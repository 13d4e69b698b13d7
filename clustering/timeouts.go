package clustering

import (
	"time"

	"github.com/orca-operator/orca/topology"
)

// actionTimeouts bound each kind of action by what it can legitimately take, so a member that never
// answers holds up only its own action (publishing goes on regardless).
var actionTimeouts = map[topology.ActionKind]time.Duration{
	topology.ActionBootstrapGroup: 2 * time.Minute,
	topology.ActionRebootGroup:    2 * time.Minute,
	// START GROUP_REPLICATION waits for the view: a restarted member's old incarnation makes the join retry
	// 10 times 5 s apart before it fails.
	topology.ActionJoinMember:   3 * time.Minute,
	topology.ActionRejoinMember: 3 * time.Minute,
	topology.ActionForceQuorum:  time.Minute,
	// set_as_primary waits up to switchoverWait for running transactions, then for the election.
	topology.ActionSwitchover: 2 * time.Minute,
	// STOP GROUP_REPLICATION may wait group_replication_components_stop_timeout (300 s).
	topology.ActionRemoveMember:      6 * time.Minute,
	topology.ActionUpgradeMember:     6 * time.Minute,
	topology.ActionAdoptMember:       time.Minute, // a pod delete, nothing else
	topology.ActionMoveMember:        6 * time.Minute,
	topology.ActionResetVariables:    time.Minute,
	topology.ActionRotateCredentials: time.Minute,
}

func (m *Manager) actionTimeout(k topology.ActionKind) time.Duration {
	switch {
	case m.ActionTimeout > 0:
		return m.ActionTimeout
	case k == topology.ActionCloneMember:
		return orDefault(m.CloneTimeout, time.Hour)
	}
	if d, ok := actionTimeouts[k]; ok {
		return d
	}
	return 5 * time.Minute
}

package events

import "github.com/orca-operator/orca/topology"

// Events of the loop's actions: one per topology.ActionKind, named after it, emitted as the action starts.
var (
	// BootstrapGroup: the loop starts a new group on the member.
	BootstrapGroup = normal(Reason(topology.ActionBootstrapGroup), "Act")
	// RebootGroup: the loop restarts the group after a complete outage from the most advanced member.
	RebootGroup = normal(Reason(topology.ActionRebootGroup), "Act")
	// ForceQuorum: the loop forces a new membership on a partition that lost quorum (on request).
	ForceQuorum = normal(Reason(topology.ActionForceQuorum), "Act")
	// JoinMember: the loop starts Group Replication on the member.
	JoinMember = normal(Reason(topology.ActionJoinMember), "Act")
	// RejoinMember: the loop restarts Group Replication on a member in ERROR or isolated.
	RejoinMember = normal(Reason(topology.ActionRejoinMember), "Act")
	// CloneMember: the loop replaces the member's data with a clone of a donor.
	CloneMember = normal(Reason(topology.ActionCloneMember), "Act")
	// RemoveMember: the member leaves the group before its pod is scaled away.
	RemoveMember = normal(Reason(topology.ActionRemoveMember), "Act")
	// Switchover: the loop makes the member the primary.
	Switchover = normal(Reason(topology.ActionSwitchover), "Act")
	// UpgradeMember: the member leaves the group and its pod restarts at the new version or configuration.
	UpgradeMember = normal(Reason(topology.ActionUpgradeMember), "Act")
	// ResetVariables: the loop clears variables left set on the member (offline_mode, one-shot GR variables).
	ResetVariables = normal(Reason(topology.ActionResetVariables), "Act")
	// MoveMember: the member leaves the group and its pod is recreated elsewhere (a requested rebalance).
	MoveMember = normal(Reason(topology.ActionMoveMember), "Act")
	// AdoptMember: a member started before Orca managed TLS restarts (its pod is deleted) to serve Orca's
	// certificate.
	AdoptMember = normal(Reason(topology.ActionAdoptMember), "Act")
	// RotateCredentials: the loop sets the passwords of the credentials Secrets on the primary.
	RotateCredentials = normal(Reason(topology.ActionRotateCredentials), "Act")
)

// ForAction is the event an action of kind k starts with; the zero Event (which Emit drops) for a kind the
// catalogue lacks, which the package's tests forbid.
func ForAction(k topology.ActionKind) Event {
	switch k {
	case topology.ActionBootstrapGroup:
		return BootstrapGroup
	case topology.ActionRebootGroup:
		return RebootGroup
	case topology.ActionForceQuorum:
		return ForceQuorum
	case topology.ActionJoinMember:
		return JoinMember
	case topology.ActionRejoinMember:
		return RejoinMember
	case topology.ActionCloneMember:
		return CloneMember
	case topology.ActionRemoveMember:
		return RemoveMember
	case topology.ActionSwitchover:
		return Switchover
	case topology.ActionUpgradeMember:
		return UpgradeMember
	case topology.ActionResetVariables:
		return ResetVariables
	case topology.ActionMoveMember:
		return MoveMember
	case topology.ActionRotateCredentials:
		return RotateCredentials
	case topology.ActionAdoptMember:
		return AdoptMember
	}
	return Event{}
}

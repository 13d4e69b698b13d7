package topology

// ClusterState is the state of the cluster as a whole. The names follow MySQL Operator for
// Kubernetes (diagnose.py ClusterDiagStatus), which extends MySQL Shell's cluster.status() names
// with what is certain and what is not from the operator's point of view.
type ClusterState string

// Cluster states.
const (
	// ClusterPending means no member can be queried yet and no group was ever bootstrapped.
	ClusterPending ClusterState = "PENDING"
	// ClusterInitializing means no group was ever bootstrapped: the first member is bootstrapped.
	ClusterInitializing ClusterState = "INITIALIZING"
	// ClusterOnline means a group has quorum and every desired member is ONLINE in it.
	ClusterOnline ClusterState = "ONLINE"
	// ClusterOnlinePartial means a group has quorum and some desired members are certainly not
	// ONLINE (down, OFFLINE, ERROR, RECOVERING, out of the group).
	ClusterOnlinePartial ClusterState = "ONLINE_PARTIAL"
	// ClusterOnlineUncertain means a group has quorum but some members cannot be queried and are not
	// ONLINE in it, so their state is unknown, or the members report views that do not agree yet.
	ClusterOnlineUncertain ClusterState = "ONLINE_UNCERTAIN"
	// ClusterNoQuorum means members run Group Replication but no partition has a majority, and every
	// member's state is known.
	ClusterNoQuorum ClusterState = "NO_QUORUM"
	// ClusterNoQuorumUncertain is NO_QUORUM with members that cannot be queried: they could hold a
	// quorum of their own.
	ClusterNoQuorumUncertain ClusterState = "NO_QUORUM_UNCERTAIN"
	// ClusterSplitBrain means two disjoint partitions each report a quorum.
	ClusterSplitBrain ClusterState = "SPLIT_BRAIN"
	// ClusterOffline means no member runs Group Replication and every member's state is known.
	ClusterOffline ClusterState = "OFFLINE"
	// ClusterOfflineUncertain is OFFLINE with members that cannot be queried.
	ClusterOfflineUncertain ClusterState = "OFFLINE_UNCERTAIN"
	// ClusterUnknown means no member can be queried while some pods run.
	ClusterUnknown ClusterState = "UNKNOWN"
	// ClusterFinalizing means the cluster is being deleted.
	ClusterFinalizing ClusterState = "FINALIZING"
)

// Reason is a typed condition reason: why the cluster is in its state or what Orca does about it.
// Values equal api/v1alpha1 ConditionReason values where the API defines them.
type Reason string

// Reasons.
const (
	ReasonOnline               Reason = "Online"
	ReasonPartiallyOnline      Reason = "PartiallyOnline"
	ReasonPodsPending          Reason = "PodsPending"
	ReasonBootstrapping        Reason = "Bootstrapping"
	ReasonWaitingForRestore    Reason = "WaitingForRestore"
	ReasonQuorumLost           Reason = "QuorumLost"
	ReasonForcingQuorum        Reason = "ForcingQuorum"
	ReasonRecoveryBlocked      Reason = "RecoveryBlocked"
	ReasonRebooting            Reason = "Rebooting"
	ReasonMemberRecovering     Reason = "MemberRecovering"
	ReasonMemberJoining        Reason = "MemberJoining"
	ReasonMemberRejoining      Reason = "MemberRejoining"
	ReasonMemberCloning        Reason = "MemberCloning"
	ReasonMemberExpelPending   Reason = "MemberExpelPending"
	ReasonErrantTransactions   Reason = "ErrantTransactions"
	ReasonSwitchoverInProgress Reason = "SwitchoverInProgress"
	ReasonSwitchoverBlocked    Reason = "SwitchoverBlocked"
	ReasonSwitchoverDone       Reason = "SwitchoverDone"
	ReasonScalingDown          Reason = "ScalingDown"
	ReasonUpgradeInProgress    Reason = "UpgradeInProgress"
	ReasonMembersUnreachable   Reason = "MembersUnreachable"
	ReasonNoPrimary            Reason = "NoPrimary"
	ReasonViewsDisagree        Reason = "ViewsDisagree"
	ReasonSplitBrain           Reason = "SplitBrain"
	ReasonGTIDUnreadable       Reason = "GTIDUnreadable"
	ReasonInvalidObservation   Reason = "InvalidObservation"
	ReasonDeleting             Reason = "Deleting"
	ReasonMemberIsolated       Reason = "MemberIsolated"
	ReasonResettingVariables   Reason = "ResettingVariables"
	ReasonRotatingCredentials  Reason = "RotatingCredentials"
	ReasonRebalancing          Reason = "Rebalancing"
	ReasonRebalanceDone        Reason = "RebalanceDone"
)

// ActionKind names one operation the caller runs on one member. Each kind maps to one mysqladmin
// sequence documented in docs/topology.md.
type ActionKind string

// Action kinds.
const (
	// ActionBootstrapGroup starts a new group on Member (group_replication_bootstrap_group).
	ActionBootstrapGroup ActionKind = "BootstrapGroup"
	// ActionRebootGroup restarts the group after a complete outage by bootstrapping Member, the
	// member with the most advanced GTID set (or the one the user forced).
	ActionRebootGroup ActionKind = "RebootGroup"
	// ActionForceQuorum unblocks a partition that lost quorum: group_replication_force_members on
	// Member with the addresses of Members.
	ActionForceQuorum ActionKind = "ForceQuorum"
	// ActionJoinMember starts Group Replication on Member; distributed recovery is incremental.
	ActionJoinMember ActionKind = "JoinMember"
	// ActionRejoinMember stops Group Replication on Member (ERROR or isolated) and starts it again.
	ActionRejoinMember ActionKind = "RejoinMember"
	// ActionCloneMember replaces Member's data with a clone of Donor (CLONE INSTANCE); the member
	// restarts and joins on a later pass.
	ActionCloneMember ActionKind = "CloneMember"
	// ActionRemoveMember makes Member leave the group gracefully before its pod is scaled away.
	ActionRemoveMember ActionKind = "RemoveMember"
	// ActionSwitchover makes Member the primary (group_replication_set_as_primary).
	ActionSwitchover ActionKind = "Switchover"
	// ActionUpgradeMember makes Member leave the group and restarts its pod at the target version
	// and configuration; it rejoins on a later pass.
	ActionUpgradeMember ActionKind = "UpgradeMember"
	// ActionResetVariables clears Variables on Member: offline_mode once it is back ONLINE, and one-shot
	// variables a stopped operator left set (group_replication_bootstrap_group, ..._force_members).
	ActionResetVariables ActionKind = "ResetVariables"
	// ActionMoveMember makes Member, a secondary that shares a node or a crowded zone with other members, leave
	// the group and deletes its pod, so the StatefulSet recreates it and the scheduler places it apart; it
	// rejoins on a later pass. Only on request (Requests.Rebalance).
	ActionMoveMember ActionKind = "MoveMember"
	// ActionAdoptMember restarts Member, a member started before Orca managed TLS whose certificate Orca cannot
	// verify, by deleting its pod without any SQL (none can be sent to it unverified): mysqld shuts down, which
	// makes it leave the group, and the StatefulSet recreates the pod with Orca's certificate; it rejoins on a
	// later pass.
	ActionAdoptMember ActionKind = "AdoptMember"
	// ActionRotateCredentials sets the passwords of the credentials Secrets on Member, the primary; the
	// statements replicate to every member.
	ActionRotateCredentials ActionKind = "RotateCredentials"
)

// Variables an ActionResetVariables clears.
const (
	VarOfflineMode    = "offline_mode"
	VarBootstrapGroup = "group_replication_bootstrap_group"
	VarForceMembers   = "group_replication_force_members"
)

// Action is one operation to run. Only the first action of a Decision runs in a pass; the rest are
// what would follow if nothing changed.
type Action struct {
	// Kind is the operation.
	Kind ActionKind
	// Member is the pod the operation runs on (for a switchover: the new primary).
	Member string
	// Donor is the pod to clone from (CloneMember only).
	Donor string
	// Members are the pods that form the group after ForceQuorum.
	Members []string
	// StopFirst means Group Replication runs on Member (ERROR, isolated or auto-rejoining) and must be
	// stopped first.
	StopFirst bool
	// Variables are what ActionResetVariables clears.
	Variables []string
	// Errant is the GTID set a CloneMember discards (allow-errant-wipe), recorded before it is lost.
	Errant string
	// Reason is the condition reason while the action runs.
	Reason Reason
	// Message explains the action to a human.
	Message string
}

// Health is topology's verdict on one member.
type Health string

// Member health values.
const (
	// HealthOnline means the member is ONLINE in the group that has quorum.
	HealthOnline Health = "Online"
	// HealthRecovering means the member is in distributed recovery; it is never touched.
	HealthRecovering Health = "Recovering"
	// HealthCloning means a clone is replacing the member's data; it is never touched until it ends.
	HealthCloning Health = "Cloning"
	// HealthOffline means the member runs but Group Replication is stopped.
	HealthOffline Health = "Offline"
	// HealthError means Group Replication on the member is in ERROR.
	HealthError Health = "Error"
	// HealthIsolated means the member thinks it is ONLINE in a view without quorum while the group
	// with quorum does not count it.
	HealthIsolated Health = "Isolated"
	// HealthNoQuorum means the member is ONLINE in a view without quorum and no group has quorum.
	HealthNoQuorum Health = "NoQuorum"
	// HealthErrant means the member has transactions the group lacks and is kept out.
	HealthErrant Health = "Errant"
	// HealthUnreachable means the pod runs but the operator cannot query it.
	HealthUnreachable Health = "Unreachable"
	// HealthDown means the pod does not exist, does not run or is being deleted.
	HealthDown Health = "Down"
	// HealthRemoved means the member is beyond the desired instances and out of the group: its pod
	// can be deleted.
	HealthRemoved Health = "Removed"
)

// Assessment is topology's view of one member.
type Assessment struct {
	// Pod is the member's pod name.
	Pod string
	// Health is the verdict.
	Health Health
	// State is the member's Group Replication state: its own report, else how the group lists it,
	// else empty.
	State MemberState
	// Role is the member's role in the group with quorum, if it is in it.
	Role Role
	// InGroup is true when the group with quorum lists the member as ONLINE or RECOVERING.
	InGroup bool
	// Reachable is true when the operator could query the member.
	Reachable bool
	// Desired is true when the member's ordinal is below the desired instances.
	Desired bool
	// Errant is the GTID set the member has and the group lacks, when it is out of the group.
	Errant string
	// Missing counts the group's transactions the member lacks, when it is out of the group.
	Missing int64
	// Detail explains the verdict.
	Detail string
}

// Finding is something worth a condition or an event: a problem, a wait, a blocked request.
type Finding struct {
	// Reason is the typed reason.
	Reason Reason
	// Member is the pod concerned, if one is.
	Member string
	// Message explains it, naming the annotation that unblocks it where one does.
	Message string
}

// Decision is the result of one pass: what the cluster is and what to do about it.
type Decision struct {
	// State is the cluster state.
	State ClusterState
	// Primary is the primary's pod name in the group with quorum; empty when there is none or it
	// matches no pod.
	Primary string
	// ViewID is the view id of the group with quorum.
	ViewID string
	// Members holds one assessment per observed member, in the observation's order.
	Members []Assessment
	// Actions are the candidate operations, most urgent first; only Actions[0] runs now. Empty
	// means there is nothing to do, or nothing that is safe to do.
	Actions []Action
	// Findings are the problems and waits found, most important first.
	Findings []Finding
	// Reason sums the decision up: the first action's reason, else the first finding's, else the
	// state's.
	Reason Reason
	// Message is a human sentence for Reason.
	Message string
}

// Next returns the action to run now, if any.
func (d *Decision) Next() (Action, bool) {
	if len(d.Actions) == 0 {
		return Action{}, false
	}
	return d.Actions[0], true
}

// ClusterStates lists every ClusterState, for callers that map them exhaustively.
func ClusterStates() []ClusterState {
	return []ClusterState{ClusterPending, ClusterInitializing, ClusterOnline, ClusterOnlinePartial,
		ClusterOnlineUncertain, ClusterNoQuorum, ClusterNoQuorumUncertain, ClusterSplitBrain, ClusterOffline,
		ClusterOfflineUncertain, ClusterUnknown, ClusterFinalizing}
}

// ActionKinds lists every ActionKind, for callers that map them exhaustively.
func ActionKinds() []ActionKind {
	return []ActionKind{ActionBootstrapGroup, ActionRebootGroup, ActionForceQuorum, ActionJoinMember,
		ActionRejoinMember, ActionCloneMember, ActionRemoveMember, ActionSwitchover, ActionUpgradeMember,
		ActionResetVariables, ActionMoveMember, ActionRotateCredentials, ActionAdoptMember}
}

// Reasons lists every Reason, for callers that map them exhaustively.
func Reasons() []Reason {
	return []Reason{ReasonOnline, ReasonPartiallyOnline, ReasonPodsPending, ReasonBootstrapping, ReasonQuorumLost,
		ReasonForcingQuorum, ReasonRecoveryBlocked, ReasonRebooting, ReasonMemberRecovering, ReasonMemberJoining,
		ReasonMemberRejoining, ReasonMemberCloning, ReasonMemberExpelPending, ReasonErrantTransactions,
		ReasonSwitchoverInProgress, ReasonSwitchoverBlocked, ReasonSwitchoverDone, ReasonScalingDown,
		ReasonUpgradeInProgress, ReasonMembersUnreachable, ReasonNoPrimary, ReasonViewsDisagree, ReasonSplitBrain,
		ReasonGTIDUnreadable, ReasonInvalidObservation, ReasonDeleting, ReasonMemberIsolated,
		ReasonResettingVariables, ReasonRotatingCredentials, ReasonRebalancing, ReasonRebalanceDone,
		ReasonWaitingForRestore}
}

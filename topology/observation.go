package topology

// MemberState is a Group Replication member state as performance_schema.replication_group_members
// shows it (MySQL 8.4 manual, Performance Schema, "The replication_group_members Table").
type MemberState string

// Member states. OFFLINE is also used for a server whose Group Replication is not running.
const (
	StateOffline     MemberState = "OFFLINE"
	StateRecovering  MemberState = "RECOVERING"
	StateOnline      MemberState = "ONLINE"
	StateError       MemberState = "ERROR"
	StateUnreachable MemberState = "UNREACHABLE"
)

// Role is a member's role in a single-primary group; empty while it is not in a group.
type Role string

// Roles as MEMBER_ROLE shows them.
const (
	RolePrimary   Role = "PRIMARY"
	RoleSecondary Role = "SECONDARY"
	RoleNone      Role = ""
)

// Observation is everything topology needs to decide one pass, gathered by the caller from
// Kubernetes objects and from each member's SQL status. Decide reads it and never changes it.
type Observation struct {
	// Instances is the desired number of members (spec.instances); members with an ordinal at or
	// above it are being scaled away.
	Instances int
	// Initialized records (from the cluster's status) that a group was bootstrapped once. A fresh
	// bootstrap is only planned while it is false; the members' data decides everything else.
	Initialized bool
	// RestorePending is true while spec.initDB asks for a restore into the first member that has not
	// completed: the group is not bootstrapped before, so no member serves a partial copy.
	RestorePending bool
	// InitDBRestore is true while spec.initDB restores a backup into the first member (ordinal 0) of a group
	// that was never bootstrapped, before the restore completed and after. That restore records the backup's
	// GTID set as purged on the member (`orca restore --set-gtid-purged`), so the member's transactions of
	// other servers, every one purged (in no binary log of its own), are the backup's history and not a former
	// group's: the cluster is still fresh, to be bootstrapped, never rebooted.
	InitDBRestore bool
	// Deleting is true when the cluster object is being deleted.
	Deleting bool
	// CloneThreshold is the largest number of missing transactions recovered from the binary logs;
	// a joiner further behind is cloned. Zero disables the gap rule (purged transactions still
	// force a clone).
	CloneThreshold int64
	// SwitchoverMaxQueue is the largest applier queue (transactions received but not applied) a member
	// may have to become primary by switchover: the new primary applies its backlog before it takes
	// writes, so a lagging target means a write outage. Negative disables the check.
	SwitchoverMaxQueue int64
	// Zones is how many distinct topology.kubernetes.io/zone values the nodes the members may run on carry, 0
	// when none carries one: a zone holding a majority of the members only counts as colocation when the zones
	// allow avoiding it (AssessSpread).
	Zones int
	// Members lists every pod of the cluster, one entry per ordinal, in any order.
	Members []Member
	// Requests are the user's requests, read from the cluster's annotations.
	Requests Requests
}

// Requests are explicit user requests. Forcing requests exist for the cases where acting is only
// safe with a human's knowledge; Orca never infers them.
type Requests struct {
	// ForceRebootFrom names the pod to reboot the group from after a complete outage, even when
	// a majority of members cannot be reached (annotation mysql.orca.dev/force-reboot-from).
	ForceRebootFrom string
	// ForceQuorum restores quorum from the reachable ONLINE members of a partition that lost it
	// (annotation mysql.orca.dev/force-quorum).
	ForceQuorum bool
	// SwitchoverTo names the pod that should become primary (annotation mysql.orca.dev/switchover-to).
	SwitchoverTo string
	// AllowErrantWipe lets Orca clone over a member whose extra transactions keep it out of the group
	// (annotation mysql.orca.dev/allow-errant-wipe).
	AllowErrantWipe bool
	// RollingUpgrade is true while the pods' template changed (new version or configuration) and
	// the members not yet at the target must be restarted one at a time.
	RollingUpgrade bool
	// RotateCredentials is true when a credentials Secret changed since its passwords were last set in
	// MySQL: the primary must set them (the statements replicate).
	RotateCredentials bool
	// Rebalance moves colocated members apart, one secondary at a time (annotation mysql.orca.dev/rebalance).
	Rebalance bool
	// RestoreHold is true while a MySQLRestore fences the cluster and has not handed the restored member back
	// (annotation mysql.orca.dev/restore-fence without restore-reform): its Job owns the members, Orca plans
	// nothing.
	RestoreHold bool
}

// Member is one pod of the cluster as the caller observed it.
type Member struct {
	// Pod is the pod name, for example "mycluster-0".
	Pod string
	// Ordinal is the StatefulSet ordinal of the pod.
	Ordinal int
	// Host is the member's report_host as Group Replication lists it in MEMBER_HOST; it matches
	// members the operator cannot reach to the group's view.
	Host string
	// PodExists is false when the pod object does not exist (yet).
	PodExists bool
	// PodRunning is true when the pod runs and its mysql container is running. False means mysqld
	// is certainly down.
	PodRunning bool
	// Restarted is true when the member's mysqld restarted (its container restarted or the pod was
	// replaced) since Orca last saw it ONLINE in the group: a group entry that still lists it ONLINE
	// describes the old incarnation and does not vouch for it until Orca has queried it again.
	Restarted bool
	// PodDeleting is true when the pod has a deletion timestamp.
	PodDeleting bool
	// AtTarget is true when the pod runs the spec's target version and configuration.
	AtTarget bool
	// PreTLS is true when the pod was created by an Orca without TLS (it lacks mysql.orca.dev/tls-hash): its
	// mysqld serves the certificate it generated itself, which no client of Orca's trusts, until it restarts
	// with the certificate Orca issued for it (docs/tls.md, "Adopting a cluster created before TLS").
	PreTLS bool
	// Untrusted is true when the member answered but its certificate did not verify: its mysqld runs.
	Untrusted bool
	// LabelledPrimary is true when the pod carries the primary role label an earlier pass (or an earlier Orca)
	// published: the only hint of the primary while no member can be queried.
	LabelledPrimary bool
	// Node is the node the pod is scheduled on (spec.nodeName), empty while it is not scheduled.
	Node string
	// Zone is that node's topology.kubernetes.io/zone label, empty when it has none.
	Zone string
	// MovedFrom is the node Orca moved the member off during the current rebalance request, empty when it did
	// not move it: a member is moved at most once per request, so a scheduler that has no other room cannot
	// make a rebalance go round in circles.
	MovedFrom string
	// Status is the member's SQL status, nil when the operator could not query it.
	Status *MemberStatus
	// Unreachable says why Status is nil (the connection or query error), for messages.
	Unreachable string
}

// MemberStatus is what one reachable member reports about itself and the group it sees.
type MemberStatus struct {
	// ServerUUID is @@server_uuid.
	ServerUUID string
	// State is the member's own state as it reports it; OFFLINE when Group Replication is stopped.
	State MemberState
	// Role is the member's own role as it reports it.
	Role Role
	// ViewID is the group view id the member is in, empty when it is in none.
	ViewID string
	// GTIDExecuted is @@gtid_executed.
	GTIDExecuted string
	// GTIDReceived is the group_replication_applier channel's RECEIVED_TRANSACTION_SET: transactions
	// the member received but may not have applied yet. Optional; used to find the most advanced
	// member after an outage, as MySQL Shell does.
	GTIDReceived string
	// GTIDPurged is @@gtid_purged: what a recovery donor no longer has in its binary log, and what an initDB
	// restore recorded on the first member.
	GTIDPurged string
	// Version is @@version.
	Version string
	// SuperReadOnly is @@super_read_only.
	SuperReadOnly bool
	// OfflineMode is @@offline_mode: the member refuses application connections (the OFFLINE_MODE exit
	// state action sets it and nothing in Group Replication clears it).
	OfflineMode bool
	// BootstrapGroup is @@group_replication_bootstrap_group; left ON, the next START bootstraps a
	// second group.
	BootstrapGroup bool
	// ForceMembers is @@group_replication_force_members; left set, every later START fails.
	ForceMembers string
	// ApplierQueue is COUNT_TRANSACTIONS_REMOTE_IN_APPLIER_QUEUE of the member itself: transactions it
	// received from the group but has not applied yet. Only read while it is in a group.
	ApplierQueue int64
	// CertifierQueue is COUNT_TRANSACTIONS_IN_QUEUE of the member itself: transactions waiting for conflict
	// detection. With ApplierQueue it is what Group Replication's flow control throttles writers on. Only read
	// while it is in a group.
	CertifierQueue int64
	// RecoveryError is the last error of the group_replication_recovery channel (LAST_ERROR_MESSAGE of
	// performance_schema.replication_connection_status), empty when none.
	RecoveryError string
	// Clone is the last clone operation of the member (performance_schema.clone_status), zero when it
	// never cloned or the clone plugin is not loaded.
	Clone CloneStatus
	// AutoRejoining is true while Group Replication's auto-rejoin procedure runs on the member
	// (thread/group_rpl/THD_autorejoin in performance_schema.threads).
	AutoRejoining bool
	// Group is the replication_group_members table as this member sees it.
	Group []GroupMember
}

// CloneState is STATE of performance_schema.clone_status.
type CloneState string

// Clone states.
const (
	CloneNone       CloneState = ""
	CloneInProgress CloneState = "In Progress"
	CloneCompleted  CloneState = "Completed"
	CloneFailed     CloneState = "Failed"
)

// CloneStatus is the member's last clone operation.
type CloneStatus struct {
	// State is the clone's state.
	State CloneState
	// Error is ERROR_MESSAGE of a failed clone.
	Error string
}

// GroupMember is one row of performance_schema.replication_group_members.
type GroupMember struct {
	// UUID is MEMBER_ID (the member's server_uuid).
	UUID string
	// Host is MEMBER_HOST.
	Host string
	// Port is MEMBER_PORT.
	Port int
	// State is MEMBER_STATE.
	State MemberState
	// Role is MEMBER_ROLE.
	Role Role
	// Version is MEMBER_VERSION.
	Version string
}

// Reachable reports whether the operator could query the member.
func (m *Member) Reachable() bool { return m.Status != nil }

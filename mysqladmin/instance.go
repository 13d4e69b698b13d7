package mysqladmin

import (
	"context"
	"fmt"
	"time"

	"github.com/orca-operator/orca/topology"
)

// Account is a user and password used in a statement. It formats with the password redacted under every
// fmt verb, so logging an Account never leaks it.
type Account struct {
	User     string
	Password string
}

// String returns the user with the password redacted.
func (a Account) String() string { return fmt.Sprintf("{User:%s Password:<redacted>}", a.User) }

// GoString returns the user with the password redacted, for %#v.
func (a Account) GoString() string {
	return fmt.Sprintf("mysqladmin.Account{User:%q, Password:\"<redacted>\"}", a.User)
}

// Format applies the redaction to every verb (%v, %+v, %s, %q, %x, ...).
func (a Account) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = fmt.Fprint(f, a.GoString())
		return
	}
	_, _ = fmt.Fprint(f, a.String())
}

// Instance is the administration surface of one member. Each method's comment names the SQL it runs, with
// the values the server substitutes for its placeholders shown as literals ('u', 'p', 'h1:3306'...);
// docs/topology.md lists which action runs which method.
type Instance interface {
	// Status reads the member's own view (status.go):
	//   SELECT @@server_uuid, @@gtid_executed, @@super_read_only, @@version, @@gtid_purged, @@offline_mode,
	//     @@group_replication_bootstrap_group, @@group_replication_force_members
	//   SELECT MEMBER_ID, MEMBER_HOST, MEMBER_PORT, MEMBER_STATE, MEMBER_ROLE, MEMBER_VERSION
	//     FROM performance_schema.replication_group_members
	// then, unless the member is OFFLINE:
	//   SELECT VIEW_ID, COUNT_TRANSACTIONS_REMOTE_IN_APPLIER_QUEUE, COUNT_TRANSACTIONS_IN_QUEUE
	//     FROM performance_schema.replication_group_member_stats WHERE MEMBER_ID = @@server_uuid
	// and always:
	//   SELECT CHANNEL_NAME, RECEIVED_TRANSACTION_SET, LAST_ERROR_MESSAGE
	//     FROM performance_schema.replication_connection_status
	//   SELECT STATE, ERROR_MESSAGE FROM performance_schema.clone_status
	//   SELECT THREAD_ID FROM performance_schema.threads WHERE NAME = 'thread/group_rpl/THD_autorejoin'
	Status(ctx context.Context) (*topology.MemberStatus, error)
	// EnsureReplicationUser creates the distributed-recovery account with least privilege (MySQL 8.4 manual
	// 20.2.1.3 "User Credentials For Distributed Recovery", 7.6.7.3 "Cloning Remote Data" and 20.6.1: with the
	// MySQL communication stack the account also authenticates group connections):
	//   CREATE USER IF NOT EXISTS 'u'@'%' IDENTIFIED BY 'p'
	//   ALTER USER 'u'@'%' IDENTIFIED BY 'p'            (a changed Secret takes effect)
	//   GRANT REPLICATION SLAVE, CONNECTION_ADMIN, BACKUP_ADMIN, GROUP_REPLICATION_STREAM ON *.* TO 'u'@'%'
	// The statements are binary-logged: run it only where they belong to the group's history (the member
	// about to bootstrap a new group, or the primary).
	EnsureReplicationUser(ctx context.Context, a Account) error
	// EnsureLocalReplicationUser creates the same account on this member only, before it starts Group
	// Replication: with the MySQL communication stack the members that connect to it authenticate with it,
	// and a member that never joined does not have it yet (manual 20.6.1, 20.2.1.3 second method):
	//   SET SESSION sql_log_bin = 0
	//   SET GLOBAL super_read_only = OFF      (read_only stays ON: only privileged accounts may write)
	//   the three statements of EnsureReplicationUser
	//   SET GLOBAL super_read_only = ON       (also when a statement fails)
	//   SET SESSION sql_log_bin = 1
	EnsureLocalReplicationUser(ctx context.Context, a Account) error
	// EnsureAdminUser creates (or re-keys) the operator's own least-privilege account, binary-logged, so routine
	// work does not run as root (privileges: docs/topology.md, "Privileges of the operator's account"):
	//   CREATE USER IF NOT EXISTS 'u'@'%' IDENTIFIED BY 'p'
	//   ALTER USER 'u'@'%' IDENTIFIED BY 'p'
	//   GRANT GROUP_REPLICATION_ADMIN, SYSTEM_VARIABLES_ADMIN, CLONE_ADMIN, CONNECTION_ADMIN, CREATE USER,
	//     REPLICATION SLAVE, BACKUP_ADMIN, GROUP_REPLICATION_STREAM, SYSTEM_USER ON *.* TO 'u'@'%' WITH GRANT OPTION
	// (SYSTEM_USER: only an account that has it may change root, which has it: manual 8.2.11 "Account
	// Categories"; Orca rotates root's password when its Secret changes.)
	//   GRANT SELECT ON performance_schema.* TO 'u'@'%'
	//   GRANT SELECT, RELOAD, REPLICATION CLIENT, SHOW VIEW, EVENT, TRIGGER ON *.* TO 'u'@'%'
	// (the backup Jobs' `orca backup` runs as this account: SELECT and the SHOW CREATE privileges to dump,
	// RELOAD for FLUSH TABLES WITH READ LOCK, REPLICATION CLIENT for SHOW BINARY LOG STATUS; manual 15.7.8.3,
	// 15.7.7.1.)
	EnsureAdminUser(ctx context.Context, a Account) error
	// EnsureRouterUser creates (or re-keys) the router's account, binary-logged (run it where the statements
	// belong to the group's history): it may read the group's membership and nothing else:
	//   CREATE USER IF NOT EXISTS 'u'@'%' IDENTIFIED BY 'p'
	//   ALTER USER 'u'@'%' IDENTIFIED BY 'p'
	//   GRANT SELECT ON performance_schema.replication_group_members TO 'u'@'%'
	//   GRANT SELECT ON performance_schema.replication_group_member_stats TO 'u'@'%'
	EnsureRouterUser(ctx context.Context, a Account) error
	// SetPassword sets an existing account's password on every host it is defined for, binary-logged (run
	// it on the primary): ALTER USER IF EXISTS 'u'@'h' IDENTIFIED BY 'p' for each host.
	SetPassword(ctx context.Context, user string, hosts []string, password string) error
	// LiftSuperReadOnly lets privileged accounts write on a member that is not in a group (read_only stays
	// ON): SET GLOBAL super_read_only = OFF
	LiftSuperReadOnly(ctx context.Context) error
	// PersistSuperReadOnly makes the member start read-only after any restart, as MySQL Shell does on every
	// member (manual 20.7.7.4 "Important"): SET PERSIST super_read_only = ON. Group Replication turns it off
	// on the primary only.
	PersistSuperReadOnly(ctx context.Context) error
	// ResetOneShot clears the variables that must not outlive the action that set them (manual 20.5.2,
	// 20.7.8): SET GLOBAL group_replication_bootstrap_group = OFF; SET GLOBAL group_replication_force_members = ''
	ResetOneShot(ctx context.Context) error
	// ClearOfflineMode lets application connections in again after the OFFLINE_MODE exit state action
	// (manual 20.7.7.4; MySQL Shell clears it on rejoin): SET GLOBAL offline_mode = OFF
	ClearOfflineMode(ctx context.Context) error
	// SetGroupSeeds persists the seed list: SET PERSIST group_replication_group_seeds = 'h1:3306,...'
	SetGroupSeeds(ctx context.Context, seeds []string) error
	// BootstrapGroup starts a new group (or reboots one) on this member:
	//   SET GLOBAL group_replication_bootstrap_group = ON
	//   START GROUP_REPLICATION USER = 'u', PASSWORD = 'p'
	//   SET GLOBAL group_replication_bootstrap_group = OFF   (also when START fails; the caller resets it again
	//                                                         on a fresh session if this one broke)
	BootstrapGroup(ctx context.Context, recovery Account) error
	// StartGroupReplication joins the group: START GROUP_REPLICATION USER = 'u', PASSWORD = 'p'
	StartGroupReplication(ctx context.Context, recovery Account) error
	// StopGroupReplication leaves the group (and stops a running auto-rejoin): STOP GROUP_REPLICATION
	StopGroupReplication(ctx context.Context) error
	// ForceMembers unblocks a partition without quorum (manual 20.7.8 "Handling a Network Partition"):
	//   SET GLOBAL group_replication_force_members = 'h1:3306,h2:3306'
	//   SET GLOBAL group_replication_force_members = ''
	ForceMembers(ctx context.Context, localAddresses []string) error
	// CloneFrom replaces this member's data with the donor's (manual 7.6.7.3, 15.7.5):
	//   SET GLOBAL clone_valid_donor_list = 'donor:3306'
	//   CLONE INSTANCE FROM 'u'@'donor':3306 IDENTIFIED BY 'p' REQUIRE SSL
	// The server keeps cloning when the session ends and restarts when the copy is done, so a lost connection
	// proves nothing: CloneFrom then returns ErrCloneUnfinished and performance_schema.clone_status tells the
	// outcome. Without a supervisor the server reports ER_RESTART_SERVER_FAILED (3707): ErrRestartNeeded.
	CloneFrom(ctx context.Context, donorHost string, donorPort int, a Account) error
	// SetPrimary elects the member with the given server_uuid, giving transactions running on the old primary
	// up to timeout to finish (manual 20.5.1.1):
	//   SELECT group_replication_set_as_primary('uuid', seconds)
	SetPrimary(ctx context.Context, serverUUID string, timeout time.Duration) error
	// Close ends the connection.
	Close() error
}

// sqlInstance implements Instance over a Runner.
type sqlInstance struct{ r Runner }

// New returns the Instance that runs its SQL through r.
func New(r Runner) Instance { return &sqlInstance{r: r} }

func (m *sqlInstance) Close() error { return m.r.Close() }

// exec runs one statement with its placeholder arguments and wraps its error with what it was for.
func (m *sqlInstance) exec(ctx context.Context, what, stmt string, args ...any) error {
	return m.execSecret(ctx, what, "", stmt, args...)
}

// execSecret is exec for a statement one of whose arguments is a password: a server echoing the substituted
// statement into its error cannot put it into a log.
func (m *sqlInstance) execSecret(ctx context.Context, what, secret, stmt string, args ...any) error {
	if err := m.r.Exec(ctx, stmt, args...); err != nil {
		return fmt.Errorf("%s: %w", what, redact(err, secret))
	}
	return nil
}

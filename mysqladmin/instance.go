package mysqladmin

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

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

// Instance is the administration surface of one member.
type Instance interface {
	// Status reads the member's own view:
	//   SELECT @@server_uuid, @@gtid_executed, @@super_read_only, @@version
	//   SELECT @@gtid_purged
	//   SELECT MEMBER_ID, MEMBER_HOST, MEMBER_PORT, MEMBER_STATE, MEMBER_ROLE, MEMBER_VERSION
	//     FROM performance_schema.replication_group_members
	// then, unless the member is OFFLINE:
	//   SELECT VIEW_ID FROM performance_schema.replication_group_member_stats WHERE MEMBER_ID = @@server_uuid
	Status(ctx context.Context) (*topology.MemberStatus, error)
	// EnsureReplicationUser creates the distributed-recovery account with least privilege (MySQL 8.4 manual
	// 20.2.1.3 "User Credentials For Distributed Recovery" and 7.6.7.3 "Cloning Remote Data"):
	//   CREATE USER IF NOT EXISTS 'u'@'%' IDENTIFIED BY 'p'
	//   ALTER USER 'u'@'%' IDENTIFIED BY 'p'            (a changed Secret takes effect)
	//   GRANT REPLICATION SLAVE, CONNECTION_ADMIN, BACKUP_ADMIN, GROUP_REPLICATION_STREAM ON *.* TO 'u'@'%'
	// The statements are binary-logged, the first of the manual's two options: run it only on the member
	// about to bootstrap a new group, whose history becomes the group's, so distributed recovery carries the
	// account to every joiner. On any other member they would be errant transactions.
	EnsureReplicationUser(ctx context.Context, a Account) error
	// EnsureAdminUser creates (or re-keys) the operator's own least-privilege account, so routine work does not
	// run as root (privileges: docs/topology.md, "Privileges of the operator's account"):
	//   CREATE USER IF NOT EXISTS 'u'@'%' IDENTIFIED BY 'p'
	//   ALTER USER 'u'@'%' IDENTIFIED BY 'p'
	//   GRANT GROUP_REPLICATION_ADMIN, SYSTEM_VARIABLES_ADMIN, CLONE_ADMIN, CONNECTION_ADMIN, CREATE USER,
	//     REPLICATION SLAVE, BACKUP_ADMIN, GROUP_REPLICATION_STREAM ON *.* TO 'u'@'%' WITH GRANT OPTION
	//   GRANT SELECT ON performance_schema.* TO 'u'@'%'
	EnsureAdminUser(ctx context.Context, a Account) error
	// SetGroupSeeds persists the seed list: SET PERSIST group_replication_group_seeds = 'h1:33061,...'
	SetGroupSeeds(ctx context.Context, seeds []string) error
	// BootstrapGroup starts a new group (or reboots one) on this member:
	//   SET GLOBAL group_replication_bootstrap_group = ON
	//   START GROUP_REPLICATION USER = 'u', PASSWORD = 'p'
	//   SET GLOBAL group_replication_bootstrap_group = OFF   (also when START fails)
	BootstrapGroup(ctx context.Context, recovery Account) error
	// StartGroupReplication joins the group: START GROUP_REPLICATION USER = 'u', PASSWORD = 'p'
	StartGroupReplication(ctx context.Context, recovery Account) error
	// StopGroupReplication leaves the group: STOP GROUP_REPLICATION
	StopGroupReplication(ctx context.Context) error
	// ForceMembers unblocks a partition without quorum (manual 20.7.8 "Handling a Network Partition"):
	//   SET GLOBAL group_replication_force_members = 'h1:33061,h2:33061'
	//   SET GLOBAL group_replication_force_members = ''
	ForceMembers(ctx context.Context, localAddresses []string) error
	// CloneFrom replaces this member's data with the donor's (manual 7.6.7.3):
	//   SET GLOBAL clone_valid_donor_list = 'donor:3306'
	//   CLONE INSTANCE FROM 'u'@'donor':3306 IDENTIFIED BY 'p'
	// The member restarts when the clone completes, so a lost connection afterwards is success. Without a
	// supervisor the server reports ER_RESTART_SERVER_FAILED (3707) instead: CloneFrom returns
	// ErrRestartNeeded and the caller restarts the pod.
	CloneFrom(ctx context.Context, donorHost string, donorPort int, a Account) error
	// SetPrimary elects the member with the given server_uuid: SELECT group_replication_set_as_primary('uuid')
	SetPrimary(ctx context.Context, serverUUID string) error
	// Close ends the connection.
	Close() error
}

// sqlInstance implements Instance over a Runner.
type sqlInstance struct{ r Runner }

// New returns the Instance that runs its SQL through r.
func New(r Runner) Instance { return &sqlInstance{r: r} }

func (m *sqlInstance) Close() error { return m.r.Close() }

func (m *sqlInstance) Status(ctx context.Context) (*topology.MemberStatus, error) {
	rows, err := m.r.Query(ctx, "SELECT @@server_uuid, @@gtid_executed, @@super_read_only, @@version")
	if err != nil {
		return nil, fmt.Errorf("read server variables: %w", err)
	}
	if len(rows) != 1 || need(rows, 4, "server variables") != nil {
		return nil, fmt.Errorf("%w: server variables returned %d rows", ErrUnexpectedResult, len(rows))
	}
	st := &topology.MemberStatus{
		ServerUUID:    str(rows[0][0]),
		GTIDExecuted:  normalizeGTID(str(rows[0][1])),
		SuperReadOnly: str(rows[0][2]) == "1" || strings.EqualFold(str(rows[0][2]), "ON"),
		Version:       str(rows[0][3]),
		State:         topology.StateOffline,
	}
	purged, err := m.r.Query(ctx, "SELECT @@gtid_purged")
	if err != nil {
		return nil, fmt.Errorf("read gtid_purged: %w", err)
	}
	if len(purged) == 1 && len(purged[0]) == 1 {
		st.GTIDPurged = normalizeGTID(str(purged[0][0]))
	}
	if err := m.readGroup(ctx, st); err != nil {
		return nil, err
	}
	return st, nil
}

func (m *sqlInstance) readGroup(ctx context.Context, st *topology.MemberStatus) error {
	rows, err := m.r.Query(ctx, "SELECT MEMBER_ID, MEMBER_HOST, MEMBER_PORT, MEMBER_STATE, MEMBER_ROLE, "+
		"MEMBER_VERSION FROM performance_schema.replication_group_members")
	if err != nil {
		return fmt.Errorf("read replication_group_members: %w", err)
	}
	if err := need(rows, 6, "replication_group_members"); err != nil {
		return err
	}
	for _, r := range rows {
		port, _ := strconv.Atoi(str(r[2]))
		gm := topology.GroupMember{UUID: str(r[0]), Host: str(r[1]), Port: port,
			State: topology.MemberState(str(r[3])), Role: topology.Role(str(r[4])), Version: str(r[5])}
		if gm.UUID == st.ServerUUID {
			st.State, st.Role = gm.State, gm.Role
		}
		// A member whose Group Replication is stopped lists itself alone as OFFLINE: that is no group.
		if gm.UUID != "" && gm.State != topology.StateOffline {
			st.Group = append(st.Group, gm)
		}
	}
	if st.State == topology.StateOffline {
		st.Role, st.Group = topology.RoleNone, nil
		return nil
	}
	view, err := m.r.Query(ctx, "SELECT VIEW_ID FROM performance_schema.replication_group_member_stats "+
		"WHERE MEMBER_ID = @@server_uuid")
	if err != nil {
		return fmt.Errorf("read replication_group_member_stats: %w", err)
	}
	if len(view) == 1 && len(view[0]) == 1 {
		st.ViewID = str(view[0][0])
	}
	return nil
}

// normalizeGTID drops the newlines MySQL puts into long GTID sets.
func normalizeGTID(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\n", ""), " ", "")
}

func (m *sqlInstance) EnsureReplicationUser(ctx context.Context, a Account) error {
	user := Quote(a.User) + "@'%'"
	if err := m.r.Exec(ctx, "CREATE USER IF NOT EXISTS "+user+" IDENTIFIED BY "+Quote(a.Password)); err != nil {
		return fmt.Errorf("create user %s: %w", a.User, redact(err, a.Password))
	}
	if err := m.r.Exec(ctx, "ALTER USER "+user+" IDENTIFIED BY "+Quote(a.Password)); err != nil {
		return fmt.Errorf("set password of %s: %w", a.User, redact(err, a.Password))
	}
	if err := m.r.Exec(ctx, "GRANT REPLICATION SLAVE, CONNECTION_ADMIN, BACKUP_ADMIN, GROUP_REPLICATION_STREAM "+
		"ON *.* TO "+user); err != nil {
		return fmt.Errorf("grant %s: %w", a.User, err)
	}
	return nil
}

func (m *sqlInstance) EnsureAdminUser(ctx context.Context, a Account) error {
	user := Quote(a.User) + "@'%'"
	if err := m.r.Exec(ctx, "CREATE USER IF NOT EXISTS "+user+" IDENTIFIED BY "+Quote(a.Password)); err != nil {
		return fmt.Errorf("create user %s: %w", a.User, redact(err, a.Password))
	}
	if err := m.r.Exec(ctx, "ALTER USER "+user+" IDENTIFIED BY "+Quote(a.Password)); err != nil {
		return fmt.Errorf("set password of %s: %w", a.User, redact(err, a.Password))
	}
	for _, grant := range []string{
		"GRANT GROUP_REPLICATION_ADMIN, SYSTEM_VARIABLES_ADMIN, CLONE_ADMIN, CONNECTION_ADMIN, CREATE USER, " +
			"REPLICATION SLAVE, BACKUP_ADMIN, GROUP_REPLICATION_STREAM ON *.* TO " + user + " WITH GRANT OPTION",
		"GRANT SELECT ON performance_schema.* TO " + user,
	} {
		if err := m.r.Exec(ctx, grant); err != nil {
			return fmt.Errorf("grant %s: %w", a.User, err)
		}
	}
	return nil
}

func (m *sqlInstance) SetGroupSeeds(ctx context.Context, seeds []string) error {
	stmt := "SET PERSIST group_replication_group_seeds = " + Quote(strings.Join(seeds, ","))
	if err := m.r.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("set group seeds: %w", err)
	}
	return nil
}

func startStmt(a Account) string {
	return "START GROUP_REPLICATION USER = " + Quote(a.User) + ", PASSWORD = " + Quote(a.Password)
}

func (m *sqlInstance) BootstrapGroup(ctx context.Context, recovery Account) error {
	if err := m.r.Exec(ctx, "SET GLOBAL group_replication_bootstrap_group = ON"); err != nil {
		return fmt.Errorf("enable bootstrap: %w", err)
	}
	startErr := m.r.Exec(ctx, startStmt(recovery))
	// Always switch bootstrapping off again: left on, a later restart would start a second group.
	offErr := m.r.Exec(ctx, "SET GLOBAL group_replication_bootstrap_group = OFF")
	if startErr != nil {
		return fmt.Errorf("start group replication (bootstrap): %w", redact(startErr, recovery.Password))
	}
	if offErr != nil {
		return fmt.Errorf("disable bootstrap: %w", offErr)
	}
	return nil
}

func (m *sqlInstance) StartGroupReplication(ctx context.Context, recovery Account) error {
	if err := m.r.Exec(ctx, startStmt(recovery)); err != nil {
		return fmt.Errorf("start group replication: %w", redact(err, recovery.Password))
	}
	return nil
}

func (m *sqlInstance) StopGroupReplication(ctx context.Context) error {
	if err := m.r.Exec(ctx, "STOP GROUP_REPLICATION"); err != nil {
		return fmt.Errorf("stop group replication: %w", err)
	}
	return nil
}

func (m *sqlInstance) ForceMembers(ctx context.Context, addrs []string) error {
	stmt := "SET GLOBAL group_replication_force_members = " + Quote(strings.Join(addrs, ","))
	if err := m.r.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("force members: %w", err)
	}
	if err := m.r.Exec(ctx, "SET GLOBAL group_replication_force_members = ''"); err != nil {
		return fmt.Errorf("clear force members: %w", err)
	}
	return nil
}

func (m *sqlInstance) CloneFrom(ctx context.Context, host string, port int, a Account) error {
	donor := host + ":" + strconv.Itoa(port)
	if err := m.r.Exec(ctx, "SET GLOBAL clone_valid_donor_list = "+Quote(donor)); err != nil {
		return fmt.Errorf("set clone donor list: %w", err)
	}
	stmt := fmt.Sprintf("CLONE INSTANCE FROM %s@%s:%d IDENTIFIED BY %s", Quote(a.User), Quote(host), port,
		Quote(a.Password))
	if err := m.r.Exec(ctx, stmt); err != nil {
		if errors.Is(err, ErrUnreachable) {
			return nil // the recipient restarts to finish the clone, which closes the connection
		}
		if hasCode(err, codeRestartFailed) {
			return fmt.Errorf("clone from %s: %w", donor, ErrRestartNeeded)
		}
		return fmt.Errorf("clone from %s: %w", donor, redact(err, a.Password))
	}
	return nil
}

func (m *sqlInstance) SetPrimary(ctx context.Context, uuid string) error {
	if _, err := m.r.Query(ctx, "SELECT group_replication_set_as_primary("+Quote(uuid)+")"); err != nil {
		return fmt.Errorf("set primary %s: %w", uuid, err)
	}
	return nil
}

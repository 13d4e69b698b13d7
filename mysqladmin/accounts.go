package mysqladmin

import (
	"context"
	"errors"
	"time"
)

// cleanupTimeout bounds statements that undo a half-done change on their own context, so an expired pass
// cannot leave a member writable.
const cleanupTimeout = 10 * time.Second

// ensureUser creates the account at '%' or, when it exists, sets its password (a changed Secret takes effect).
// The user name and the password are placeholders: account names and IDENTIFIED BY take string literals
// (manual 8.2.4 "Specifying Account Names", 15.7.1.3 "CREATE USER Statement"), which the X Plugin substitutes.
func (m *sqlInstance) ensureUser(ctx context.Context, a Account) error {
	if err := m.execSecret(ctx, "create user "+a.User, a.Password,
		"CREATE USER IF NOT EXISTS ?@'%' IDENTIFIED BY ?", a.User, a.Password); err != nil {
		return err
	}
	return m.execSecret(ctx, "set password of "+a.User, a.Password, "ALTER USER ?@'%' IDENTIFIED BY ?",
		a.User, a.Password)
}

// grant runs GRANT privileges ON level TO the account at '%'; privileges and level are identifiers, never
// values: only the user is a placeholder.
func (m *sqlInstance) grant(ctx context.Context, user, privileges, level, option string) error {
	return m.exec(ctx, "grant "+user, "GRANT "+privileges+" ON "+level+" TO ?@'%'"+option, user)
}

func (m *sqlInstance) EnsureReplicationUser(ctx context.Context, a Account) error {
	if err := m.ensureUser(ctx, a); err != nil {
		return err
	}
	return m.grant(ctx, a.User, "REPLICATION SLAVE, CONNECTION_ADMIN, BACKUP_ADMIN, GROUP_REPLICATION_STREAM",
		"*.*", "")
}

func (m *sqlInstance) EnsureLocalReplicationUser(ctx context.Context, a Account) (err error) {
	if err := m.exec(ctx, "disable the binary log for this session", "SET SESSION sql_log_bin = 0"); err != nil {
		return err
	}
	defer func() {
		// The session may be reused: log its statements again whatever happened.
		if logErr := m.exec(context.WithoutCancel(ctx), "enable the binary log for this session",
			"SET SESSION sql_log_bin = 1"); logErr != nil && err == nil {
			err = logErr
		}
	}()
	if err := m.LiftSuperReadOnly(ctx); err != nil {
		return err
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		err = errors.Join(err, m.exec(rctx, "restore super_read_only", "SET GLOBAL super_read_only = ON"))
	}()
	return m.EnsureReplicationUser(ctx, a)
}

// adminGrants are the operator's privileges (privileges, level, option): see EnsureAdminUser.
var adminGrants = [][3]string{
	{"GROUP_REPLICATION_ADMIN, SYSTEM_VARIABLES_ADMIN, CLONE_ADMIN, CONNECTION_ADMIN, CREATE USER, " +
		"REPLICATION SLAVE, BACKUP_ADMIN, GROUP_REPLICATION_STREAM, SYSTEM_USER", "*.*", " WITH GRANT OPTION"},
	{"SELECT", "performance_schema.*", ""},
	{"SELECT, RELOAD, REPLICATION CLIENT, SHOW VIEW, EVENT, TRIGGER", "*.*", ""},
}

func (m *sqlInstance) EnsureAdminUser(ctx context.Context, a Account) error {
	if err := m.ensureUser(ctx, a); err != nil {
		return err
	}
	for _, g := range adminGrants {
		if err := m.grant(ctx, a.User, g[0], g[1], g[2]); err != nil {
			return err
		}
	}
	return nil
}

func (m *sqlInstance) EnsureRouterUser(ctx context.Context, a Account) error {
	if err := m.ensureUser(ctx, a); err != nil {
		return err
	}
	for _, table := range []string{"replication_group_members", "replication_group_member_stats"} {
		if err := m.grant(ctx, a.User, "SELECT", "performance_schema."+table, ""); err != nil {
			return err
		}
	}
	return nil
}

func (m *sqlInstance) SetPassword(ctx context.Context, user string, hosts []string, password string) error {
	for _, h := range hosts {
		if err := m.execSecret(ctx, "set password of "+user+"@"+h, password,
			"ALTER USER IF EXISTS ?@? IDENTIFIED BY ?", user, h, password); err != nil {
			return err
		}
	}
	return nil
}

func (m *sqlInstance) LiftSuperReadOnly(ctx context.Context) error {
	return m.exec(ctx, "lift super_read_only", "SET GLOBAL super_read_only = OFF")
}

func (m *sqlInstance) PersistSuperReadOnly(ctx context.Context) error {
	return m.exec(ctx, "persist super_read_only", "SET PERSIST super_read_only = ON")
}

func (m *sqlInstance) ResetOneShot(ctx context.Context) error {
	if err := m.exec(ctx, "reset group_replication_bootstrap_group",
		"SET GLOBAL group_replication_bootstrap_group = OFF"); err != nil {
		return err
	}
	return m.exec(ctx, "reset group_replication_force_members", "SET GLOBAL group_replication_force_members = ''")
}

func (m *sqlInstance) ClearOfflineMode(ctx context.Context) error {
	return m.exec(ctx, "clear offline_mode", "SET GLOBAL offline_mode = OFF")
}

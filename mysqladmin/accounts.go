package mysqladmin

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// cleanupTimeout bounds statements that undo a half-done change on their own context, so an expired pass
// cannot leave a member writable.
const cleanupTimeout = 10 * time.Second

// ensureUser creates the account at '%' or, when it exists, sets its password (a changed Secret takes effect),
// and returns its quoted name for the grants.
func (m *sqlInstance) ensureUser(ctx context.Context, a Account) (string, error) {
	user := Quote(a.User) + "@'%'"
	if err := m.exec(ctx, "create user "+a.User, "CREATE USER IF NOT EXISTS "+user+" IDENTIFIED BY "+
		Quote(a.Password), a.Password); err != nil {
		return "", err
	}
	if err := m.exec(ctx, "set password of "+a.User, "ALTER USER "+user+" IDENTIFIED BY "+Quote(a.Password),
		a.Password); err != nil {
		return "", err
	}
	return user, nil
}

func (m *sqlInstance) EnsureReplicationUser(ctx context.Context, a Account) error {
	user, err := m.ensureUser(ctx, a)
	if err != nil {
		return err
	}
	return m.exec(ctx, "grant "+a.User, "GRANT REPLICATION SLAVE, CONNECTION_ADMIN, BACKUP_ADMIN, "+
		"GROUP_REPLICATION_STREAM ON *.* TO "+user)
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

func (m *sqlInstance) EnsureAdminUser(ctx context.Context, a Account) error {
	user, err := m.ensureUser(ctx, a)
	if err != nil {
		return err
	}
	for _, grant := range []string{
		"GRANT GROUP_REPLICATION_ADMIN, SYSTEM_VARIABLES_ADMIN, CLONE_ADMIN, CONNECTION_ADMIN, CREATE USER, " +
			"REPLICATION SLAVE, BACKUP_ADMIN, GROUP_REPLICATION_STREAM, SYSTEM_USER ON *.* TO " + user +
			" WITH GRANT OPTION",
		"GRANT SELECT ON performance_schema.* TO " + user,
		"GRANT SELECT, RELOAD, REPLICATION CLIENT, SHOW VIEW, EVENT, TRIGGER ON *.* TO " + user,
	} {
		if err := m.exec(ctx, "grant "+a.User, grant); err != nil {
			return err
		}
	}
	return nil
}

func (m *sqlInstance) EnsureRouterUser(ctx context.Context, a Account) error {
	user, err := m.ensureUser(ctx, a)
	if err != nil {
		return err
	}
	for _, table := range []string{"replication_group_members", "replication_group_member_stats"} {
		if err := m.exec(ctx, "grant "+a.User, "GRANT SELECT ON performance_schema."+table+" TO "+user); err != nil {
			return err
		}
	}
	return nil
}

func (m *sqlInstance) SetPassword(ctx context.Context, user string, hosts []string, password string) error {
	for _, h := range hosts {
		stmt := fmt.Sprintf("ALTER USER IF EXISTS %s@%s IDENTIFIED BY %s", Quote(user), Quote(h), Quote(password))
		if err := m.exec(ctx, "set password of "+user+"@"+h, stmt, password); err != nil {
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

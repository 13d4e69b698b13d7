package mysqladmin

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

func (m *sqlInstance) SetGroupSeeds(ctx context.Context, seeds []string) error {
	return m.exec(ctx, "set group seeds", "SET PERSIST group_replication_group_seeds = ?", strings.Join(seeds, ","))
}

// qStart starts Group Replication with the recovery account's credentials (manual 15.4.3.1: USER and PASSWORD
// take string literals).
const qStart = "START GROUP_REPLICATION USER = ?, PASSWORD = ?"

func (m *sqlInstance) start(ctx context.Context, what string, a Account) error {
	return m.execSecret(ctx, what, a.Password, qStart, a.User, a.Password)
}

func (m *sqlInstance) BootstrapGroup(ctx context.Context, recovery Account) error {
	if err := m.exec(ctx, "enable bootstrap", "SET GLOBAL group_replication_bootstrap_group = ON"); err != nil {
		return err
	}
	startErr := m.start(ctx, "start group replication (bootstrap)", recovery)
	// Always switch bootstrapping off again, even when the pass's context ended: left on, a later START would
	// bootstrap a second group.
	offCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	offErr := m.exec(offCtx, "disable bootstrap", "SET GLOBAL group_replication_bootstrap_group = OFF")
	if startErr != nil {
		return startErr
	}
	return offErr
}

func (m *sqlInstance) StartGroupReplication(ctx context.Context, recovery Account) error {
	return m.start(ctx, "start group replication", recovery)
}

func (m *sqlInstance) StopGroupReplication(ctx context.Context) error {
	return m.exec(ctx, "stop group replication", "STOP GROUP_REPLICATION")
}

func (m *sqlInstance) ForceMembers(ctx context.Context, addrs []string) error {
	setErr := m.exec(ctx, "force members", "SET GLOBAL group_replication_force_members = ?",
		strings.Join(addrs, ","))
	// Cleared whatever happened: a value left set makes every later START fail.
	clearCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	clearErr := m.exec(clearCtx, "clear force members", "SET GLOBAL group_replication_force_members = ''")
	if setErr != nil {
		return setErr
	}
	return clearErr
}

func (m *sqlInstance) CloneFrom(ctx context.Context, host string, port int, a Account) error {
	donor := host + ":" + strconv.Itoa(port)
	if err := m.exec(ctx, "set clone donor list", "SET GLOBAL clone_valid_donor_list = ?", donor); err != nil {
		return err
	}
	// The donor's user and host are string literals and its port a number (manual 15.7.5 "CLONE Statement").
	err := m.r.Exec(ctx, "CLONE INSTANCE FROM ?@?:? IDENTIFIED BY ? REQUIRE SSL", a.User, host, port, a.Password)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrUnreachable):
		// The server clones on after the session ends, and restarts when it is done: only clone_status knows.
		return fmt.Errorf("clone from %s: %w: %w", donor, ErrCloneUnfinished, redact(err, a.Password))
	case hasCode(err, codeRestartFailed):
		return fmt.Errorf("clone from %s: %w", donor, ErrRestartNeeded)
	}
	return fmt.Errorf("clone from %s: %w", donor, redact(err, a.Password))
}

func (m *sqlInstance) SetPrimary(ctx context.Context, uuid string, timeout time.Duration) error {
	if _, err := m.r.Query(ctx, "SELECT group_replication_set_as_primary(?, ?)", uuid,
		int(timeout.Seconds())); err != nil {
		return fmt.Errorf("set primary %s: %w", uuid, err)
	}
	return nil
}

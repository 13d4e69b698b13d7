package mysqlsim

import (
	"context"
	"strconv"
	"strings"
)

// recoveryCreds are the distributed recovery credentials (MySQL 8.4 manual, "User Credentials For
// Distributed Recovery").
type recoveryCreds struct {
	User, Password string
}

// startGR runs START GROUP_REPLICATION from start_on_boot: the join proceeds in the background.
// Called with the lock held.
func (g *Group) startGR(m *Member, creds *recoveryCreds, onBoot bool) error {
	return g.startGRCtx(context.Background(), m, creds, onBoot)
}

// startGRCtx runs START GROUP_REPLICATION (MySQL 8.4 manual, "START GROUP_REPLICATION Statement",
// "Bootstrapping the Group", "Adding Instances to the Group"). Unless onBoot it blocks like the
// statement until the member is in a view or the start failed; a client that goes away gets
// ctx's error while the server goes on. Called with the lock held.
func (g *Group) startGRCtx(ctx context.Context, m *Member, creds *recoveryCreds, onBoot bool) error {
	if m.grRunning {
		return errGRRunning()
	}
	if err := m.checkStartConfig(); err != nil {
		return err
	}
	m.grRunning, m.startCreds, m.recoveryTry = true, creds, 0
	m.gcsUID = strconv.FormatInt(g.clock.Now().UnixNano()/100, 10)
	m.relay.exists = true
	// Group Replication turns super_read_only on while it starts and restores the previous read
	// mode if the start fails.
	m.readMode = [2]string{m.globals["read_only"], m.globals["super_read_only"]}
	m.setReadOnly(true)
	m.grLog("System", "MY-013587", "Plugin 'group_replication' is starting.")
	js := g.beginJoin(m)
	if onBoot {
		return nil
	}
	if err := g.waitUntil(ctx, func() bool { return js.done || !m.up }); err != nil {
		return err
	}
	if !js.done {
		return ErrMemberDown
	}
	return js.result
}

func portOf(addr string) string {
	if i := strings.LastIndex(addr, ":"); i >= 0 {
		return addr[i+1:]
	}
	return addr
}

// checkStartConfig verifies what Group Replication checks before it starts.
func (m *Member) checkStartConfig() error {
	fail := func(format string, args ...any) error {
		m.grLog("ERROR", "MY-011660", format, args...)
		return errGRConfiguration()
	}
	if bad := allowlistError(m.globals["group_replication_ip_allowlist"]); bad != "" && m.stack() == stackXCom {
		m.grLog("ERROR", "MY-011735", "[GCS] Invalid IP or subnet mask in the allowlist: %s", bad)
		m.grLog("ERROR", "MY-011735", "[GCS] The ip_allowlist parameter is not valid")
		m.grLog("ERROR", "MY-011674", "Unable to initialize the group communication engine")
		return errGRConfiguration()
	}
	switch {
	case m.groupName() == "":
		return fail("The group_replication_group_name option is mandatory")
	case !validUUID(m.groupName()):
		return fail("The group_replication_group_name '%s' is not a valid UUID", m.groupName())
	case m.address() == "":
		return fail("The group_replication_local_address option is mandatory")
	case m.globals["server_id"] == "0":
		return fail("Server id not set. The member cannot start Group Replication.")
	case m.globals["gtid_mode"] != "ON":
		return fail("Gtid mode should be ON for Group Replication")
	case m.globals["enforce_gtid_consistency"] != "ON":
		return fail("Option enforce_gtid_consistency should be ON for Group Replication")
	case m.globals["group_replication_force_members"] != "":
		return fail("group_replication_force_members must be empty on group start. Current value: '%s'",
			m.globals["group_replication_force_members"])
	case m.boolVar("group_replication_single_primary_mode") &&
		m.boolVar("group_replication_enforce_update_everywhere_checks"):
		return fail("Is is not allowed to start Group Replication with single-primary mode and " +
			"enforce_update_everywhere_checks enabled.")
	}
	return nil
}

// bootstrap creates a new group with m alone, ONLINE and PRIMARY. The applier channel first applies
// what its relay log still holds.
func (g *Group) bootstrap(m *Member) {
	m.applyRelayLog()
	grp := g.newGRGroup(m.groupName(), m.boolVar("group_replication_single_primary_mode"))
	m.state = StateOnline
	v := g.installView(grp, []*Member{m}, true)
	m.grLog("System", "MY-011503", "Group membership changed to %s:%d on view %s.", m.cfg.Host, m.cfg.Port, v.id)
	g.broadcastStateChange(m)
	if grp.singlePrimary {
		g.runElection(v)
	} else {
		g.applyRoles(v)
	}
}

// stopGR runs STOP GROUP_REPLICATION: the member leaves its view, stays OFFLINE with
// super_read_only=ON (MySQL 8.4 manual, "STOP GROUP_REPLICATION Statement"). It also ends a join
// or an auto-rejoin procedure under way. The relay log keeps what was not applied.
func (g *Group) stopGR(m *Member) {
	if !m.grRunning {
		return
	}
	if js := m.join; js != nil {
		js.done, js.result, m.join = true, errGRConfiguration(), nil
	}
	g.leaveView(m)
	m.grRunning = false
	m.rejoin = nil
	m.setReadOnly(true)
	m.grLog("System", "MY-011651", "Plugin 'group_replication' has been stopped.")
	g.setState(m, StateOffline)
	m.emit(NoticeViewChange)
}

func itoa(n int) string { return strconv.Itoa(n) }

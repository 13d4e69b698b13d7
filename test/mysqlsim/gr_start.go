package mysqlsim

import (
	"context"
	"errors"
	"strconv"
	"strings"
)

// recoveryCreds are the distributed recovery credentials (MySQL 8.4 manual, "User Credentials For
// Distributed Recovery").
type recoveryCreds struct {
	User, Password string
}

// errNoSeed means no seed answered: START keeps trying until the join timeout.
var errNoSeed = errors.New("no seed reachable")

// startGR runs START GROUP_REPLICATION (MySQL 8.4 manual, "START GROUP_REPLICATION Statement",
// "Bootstrapping the Group", "Adding Instances to the Group"). With wait, it blocks like the
// statement until the member is in a view or the join timeout passes; otherwise (start_on_boot)
// the join proceeds in the background. Called with the lock held.
func (g *Group) startGR(m *Member, creds *recoveryCreds, onBoot bool) error {
	return g.startGRCtx(context.Background(), m, creds, onBoot)
}

func (g *Group) startGRCtx(ctx context.Context, m *Member, creds *recoveryCreds, onBoot bool) error {
	if m.grRunning {
		return errGRRunning()
	}
	if err := m.checkStartConfig(); err != nil {
		return err
	}
	m.grRunning, m.startCreds, m.recoveryTry = true, creds, 0
	m.setReadOnly(true)
	m.grLog("System", "MY-013587", "Plugin 'group_replication' is starting.")
	if m.boolVar("group_replication_bootstrap_group") {
		g.bootstrap(m)
		return nil
	}
	err := g.joinAttempt(m)
	if !errors.Is(err, errNoSeed) {
		return g.joinResult(m, err)
	}
	if onBoot {
		g.retryJoinInBackground(m, 0)
		return nil
	}
	deadline, cancel := context.WithTimeout(ctx, g.seconds(g.cfg.JoinTimeoutSeconds))
	defer cancel()
	err = errNoSeed
	waitErr := g.waitUntil(deadline, func() bool {
		if !m.up || !m.grRunning {
			return true
		}
		err = g.joinAttempt(m)
		return !errors.Is(err, errNoSeed)
	})
	if waitErr != nil || errors.Is(err, errNoSeed) {
		return g.joinResult(m, errNoSeed)
	}
	return g.joinResult(m, err)
}

// retryJoinInBackground keeps looking for a seed once per simulated second, as XCom does, until
// the join timeout.
func (g *Group) retryJoinInBackground(m *Member, waited float64) {
	m.after(1, func() {
		if !m.grRunning || m.view != nil {
			return
		}
		err := g.joinAttempt(m)
		if errors.Is(err, errNoSeed) && waited+1 < g.cfg.JoinTimeoutSeconds {
			g.retryJoinInBackground(m, waited+1)
			return
		}
		_ = g.joinResult(m, err)
	})
}

// joinResult finishes a START: on failure Group Replication stops again and the error log says why.
func (g *Group) joinResult(m *Member, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, errNoSeed) {
		m.grLog("ERROR", "MY-011735", "[GCS] Error connecting to all peers. Member join failed. Local port: %s",
			portOf(m.address()))
		m.grLog("ERROR", "MY-011640", "Timeout on wait for view after joining group")
		err = errGRConfiguration()
	}
	m.grRunning = false
	m.state = StateOffline
	m.grLog("ERROR", "MY-011735", "[GCS] The member is leaving a group without being on one.")
	g.changed()
	return err
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

// bootstrap creates a new group with m alone, ONLINE and PRIMARY.
func (g *Group) bootstrap(m *Member) {
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

// joinAttempt looks for a seed that is part of a group with quorum and joins through it.
func (g *Group) joinAttempt(m *Member) error {
	v := g.findSeedView(m)
	if v == nil {
		return errNoSeed
	}
	if err := g.checkCompatible(m, v); err != nil {
		return err
	}
	if v.has(m) {
		// An earlier incarnation of this server is still in the view: XCom removes it first.
		v = g.installView(v.grp, v.without(m), false)
		g.runElection(v)
	}
	m.state = StateRecovering
	nv := g.installView(v.grp, append(append([]*Member(nil), v.members...), m), true)
	m.grLog("System", "MY-011503", "Group membership changed to %s on view %s.", membersList(nv), nv.id)
	g.broadcastStateChange(m)
	g.scheduleRecovery(m)
	return nil
}

func membersList(v *view) string {
	parts := make([]string, 0, len(v.members))
	for _, x := range v.members {
		parts = append(parts, x.cfg.Host+":"+itoa(x.cfg.Port))
	}
	return strings.Join(parts, ", ")
}

// findSeedView returns the view of a reachable seed whose group can accept a new member.
func (g *Group) findSeedView(m *Member) *view {
	for _, seed := range strings.Split(m.globals["group_replication_group_seeds"], ",") {
		seed = strings.TrimSpace(seed)
		if seed == "" {
			continue
		}
		for _, x := range g.members {
			if x == m || x.address() != seed || !x.up || !x.grRunning || x.view == nil {
				continue
			}
			if g.partition[x] != g.partition[m] || x.view != x.view.grp.current || !x.canCommit() {
				continue
			}
			if x.state == StateOnline || x.state == StateRecovering {
				if x.view.grp.name == m.groupName() {
					return x.view
				}
			}
		}
	}
	return nil
}

// checkCompatible runs the joiner-side checks: group size, mode, duplicate uuid, errant GTIDs.
func (g *Group) checkCompatible(m *Member, v *view) error {
	fail := func(code, format string, args ...any) error {
		m.grLog("ERROR", code, format, args...)
		return errGRConfiguration()
	}
	if len(v.without(m)) >= 9 {
		return fail("MY-011503", "The START GROUP_REPLICATION command failed since the group already has 9 members.")
	}
	if m.boolVar("group_replication_single_primary_mode") != v.grp.singlePrimary {
		return fail("MY-011529", "The member configuration is not compatible with the group configuration. "+
			"Variables such as group_replication_single_primary_mode or "+
			"group_replication_enforce_update_everywhere_checks "+
			"must have the same value on every server in the group. (member configuration option: [%s], group "+
			"configuration option: [%s]).", modeOption(m.boolVar("group_replication_single_primary_mode")),
			modeOption(v.grp.singlePrimary))
	}
	for _, x := range v.members {
		if x != m && x.uuid == m.uuid {
			return fail("MY-011516", "There is already a member with server_uuid %s. "+
				"The member will now exit the group.", m.uuid)
		}
	}
	group := g.groupExecuted(v)
	if !m.gtid.SubsetOf(group) {
		m.grLog("ERROR", "MY-011526", "This member has more executed transactions than those present in the group. "+
			"Local transactions: %s > Group transactions: %s", m.gtid, group)
		return fail("MY-011522", "The member contains transactions not present in the group. "+
			"The member will now exit the group.")
	}
	return nil
}

func modeOption(single bool) string {
	if single {
		return "group_replication_single_primary_mode"
	}
	return ""
}

// stopGR runs STOP GROUP_REPLICATION: the member leaves its view, stays OFFLINE with
// super_read_only=ON (MySQL 8.4 manual, "STOP GROUP_REPLICATION Statement").
func (g *Group) stopGR(m *Member) {
	if !m.grRunning {
		return
	}
	g.leaveView(m)
	m.grRunning = false
	m.rejoin = nil
	m.queue = GTIDSet{}
	m.setReadOnly(true)
	m.grLog("System", "MY-011651", "Plugin 'group_replication' has been stopped.")
	g.setState(m, StateOffline)
	m.emit(NoticeViewChange)
}

func itoa(n int) string { return strconv.Itoa(n) }

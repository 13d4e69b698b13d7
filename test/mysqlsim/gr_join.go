package mysqlsim

import (
	"errors"
	"fmt"
	"strings"
)

// Join attempt outcomes. errJoinRetry marks what the group communication layer retries (GCS join
// attempts); any other error ends the START at once.
var (
	errJoinRetry        = errors.New("join attempt failed")
	errNoSeed           = fmt.Errorf("no seed answered: %w", errJoinRetry)
	errOldIncarnation   = fmt.Errorf("an old incarnation of the member is in the group: %w", errJoinRetry)
	errSuspicionPending = fmt.Errorf("a member of the group is suspected: %w", errJoinRetry)
)

// joinState is one START's join procedure: the group communication layer makes up to
// JoinAttempts attempts JoinRetrySeconds apart, while START waits up to JoinTimeoutSeconds for a
// view (MySQL 8.4 manual, "START GROUP_REPLICATION Statement"; GCS's join_attempts and
// join_sleep_time).
type joinState struct {
	attempts int
	done     bool
	result   error // the START's outcome once done
}

// beginJoin starts m's join procedure (or bootstraps). Called right after START set m running.
func (g *Group) beginJoin(m *Member) *joinState {
	js := &joinState{}
	m.join = js
	m.after(g.cfg.JoinTimeoutSeconds, func() { g.viewTimeout(m, js) })
	if !localGCSReachable(m) {
		m.grLog("ERROR", "MY-011735", "[GCS] The member was unable to join the group. Local port: %s",
			portOf(m.address()))
		return js // no attempt can succeed: START waits for the view timeout, as mysqld does
	}
	if m.boolVar("group_replication_bootstrap_group") {
		g.bootstrap(m)
		g.finishJoin(m, js, nil)
		return js
	}
	g.joinStep(m, js)
	return js
}

func (g *Group) joinStep(m *Member, js *joinState) {
	if m.join != js || !m.grRunning || m.view != nil {
		return
	}
	js.attempts++
	err := g.joinAttempt(m)
	switch {
	case err == nil:
		g.finishJoin(m, js, nil)
	case !errors.Is(err, errJoinRetry):
		g.finishJoin(m, js, err)
	default:
		logJoinAttempt(m, err)
		if js.attempts < g.cfg.JoinAttempts {
			m.after(g.cfg.JoinRetrySeconds, func() { g.joinStep(m, js) })
			return
		}
		m.grLog("ERROR", "MY-011735", "[GCS] The member was unable to join the group. Local port: %s",
			portOf(m.address()))
	}
}

func logJoinAttempt(m *Member, err error) {
	port := portOf(m.address())
	if errors.Is(err, errNoSeed) {
		m.grLog("ERROR", "MY-011735", "[GCS] Error connecting to all peers. Member join failed. Local port: %s", port)
		return
	}
	m.grLog("ERROR", "MY-011735", "[GCS] Timeout while waiting for the group communication engine to be ready!")
	m.grLog("ERROR", "MY-011735", "[GCS] The group communication engine is not ready for the member to join. "+
		"Local port: %s", port)
}

// viewTimeout ends a START that got no view within JoinTimeoutSeconds.
func (g *Group) viewTimeout(m *Member, js *joinState) {
	if m.join != js || js.done {
		return
	}
	m.grLog("ERROR", "MY-011640", "Timeout on wait for view after joining group")
	g.finishJoin(m, js, errGRConfiguration())
}

// finishJoin records the START's outcome; a failure stops Group Replication again, restores the
// read mode it had before and the error log says why.
func (g *Group) finishJoin(m *Member, js *joinState, err error) {
	js.done, js.result = true, nil
	m.join = nil
	if err != nil {
		m.grRunning = false
		m.state = StateOffline
		m.globals["read_only"], m.globals["super_read_only"] = m.readMode[0], m.readMode[1]
		m.grLog("ERROR", "MY-011735", "[GCS] The member is leaving a group without being on one.")
		js.result = errGRConfiguration()
		var se *Error
		if errors.As(err, &se) {
			js.result = se
		}
	}
	g.changed()
}

// joinAttempt is one GCS join attempt: a seed must answer and accept the connection, the group
// must not hold an old incarnation of the member or a pending suspicion, every member must connect
// to the joiner and back, and the joiner must be compatible with the group.
func (g *Group) joinAttempt(m *Member) error {
	v, seed := g.findSeedView(m)
	if v == nil {
		return errNoSeed
	}
	if v.has(m) {
		seed.grLog("Warning", "MY-011735", "[GCS] Old incarnation found while trying to add node %s %s. Please stop "+
			"the old node or wait for it to leave the group.", m.address(), m.gcsUID)
		return errOldIncarnation
	}
	if suspicionPending(v) {
		return errSuspicionPending
	}
	if !g.meshConnects(m, v) {
		return errNoSeed
	}
	if err := g.checkCompatible(m, v); err != nil {
		return err
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

// findSeedView returns the view of the first seed of group_replication_group_seeds that answers
// and accepts m's connection, and that seed.
func (g *Group) findSeedView(m *Member) (*view, *Member) {
	for _, seed := range strings.Split(m.globals["group_replication_group_seeds"], ",") {
		seed = strings.TrimSpace(seed)
		if seed == "" {
			continue
		}
		for _, x := range g.members {
			if g.seedAnswers(m, x, seed) && g.seedAccepts(m, x) {
				return x.view, x
			}
		}
	}
	return nil, nil
}

// seedAnswers says whether x is the seed at address seed and is in a group with quorum that can
// take a new member.
func (g *Group) seedAnswers(m, x *Member, seed string) bool {
	if x == m || x.address() != seed || !x.inGroup() || g.partition[x] != g.partition[m] {
		return false
	}
	if x.view != x.view.grp.current || !x.canCommit() || x.view.grp.name != m.groupName() {
		return false
	}
	return x.state == StateOnline || x.state == StateRecovering
}

// seedAccepts opens the joiner's connection to the seed: the same communication stack, then the
// seed's IP allowlist (XCom) or the joiner's credentials on the seed (MySQL stack).
func (g *Group) seedAccepts(m, x *Member) bool {
	switch {
	case x.stack() != m.stack():
		m.grLog("ERROR", "MY-011735", "[GCS] Error on opening a connection to peer node %s when joining a group. "+
			"My local port is: %s.", x.address(), portOf(m.address()))
		return false
	case m.stack() == stackMySQL:
		return groupLogin(m, x)
	case !g.admits(x, m):
		refuseConnection(x, m)
		return false
	}
	return true
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
	// Both sides count what they executed and what their applier channel received (GR's
	// compare_member_transaction_sets): a queued transaction the group has is not errant.
	group, local := g.groupExecuted(v), m.executedOrReceived()
	if !local.SubsetOf(group) {
		m.grLog("ERROR", "MY-011526", "This member has more executed transactions than those present in the group. "+
			"Local transactions: %s > Group transactions: %s", local, group)
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

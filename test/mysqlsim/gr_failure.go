package mysqlsim

import (
	"strings"
)

// rejoinState tracks the auto-rejoin procedure of an expelled member.
type rejoinState struct{ attempt int }

// connectivityChanged restarts failure detection: after DetectionSeconds of silence a member is
// suspected (UNREACHABLE), and after group_replication_member_expel_timeout more the majority
// expels it (MySQL 8.4 manual, "Failure Detection", "Expel Timeout"). A link that comes back
// before detection fires goes unnoticed, as with XCom.
func (g *Group) connectivityChanged() {
	g.epoch++
	epoch := g.epoch
	g.after(g.cfg.DetectionSeconds, func() { g.detect(epoch) })
	g.changed()
}

// detect updates every member's suspicions, sends the notices, and starts the expel timers.
func (g *Group) detect(epoch uint64) {
	if epoch != g.epoch {
		return
	}
	for _, m := range g.members {
		if m.up && m.grRunning && m.view != nil {
			g.updateSuspects(m)
		}
	}
	for _, m := range g.members {
		if m.up && m.grRunning && m.view != nil && m.view.grp.current != nil && m.view != m.view.grp.current &&
			g.seesCurrentView(m) {
			g.expelledNoticed(m)
		}
	}
	seen := map[*view]bool{}
	for _, m := range g.members {
		v := m.view
		if v == nil || seen[v] || v != v.grp.current || !m.hasQuorum() {
			continue
		}
		seen[v] = true
		timeout := float64(m.intVar("group_replication_member_expel_timeout"))
		g.after(timeout, func() { g.expel(v, epoch) })
	}
}

func (g *Group) updateSuspects(m *Member) {
	hadQuorum := m.hasQuorum()
	changed := false
	for _, x := range m.view.members {
		if x == m {
			continue
		}
		if sus := !g.reachable(m, x); sus != m.suspects[x] {
			changed = true
			if sus {
				m.suspects[x] = true
				m.grLog("Warning", "MY-011493", "Member with address %s:%d has become unreachable.",
					x.cfg.Host, x.cfg.Port)
			} else {
				delete(m.suspects, x)
				m.grLog("Warning", "MY-011494", "Member with address %s:%d is reachable again.", x.cfg.Host, x.cfg.Port)
			}
		}
	}
	if changed {
		m.emit(NoticeStateChange)
	}
	if hadQuorum && !m.hasQuorum() {
		m.grLog("ERROR", "MY-011495", "This server is not able to reach a majority of members in the group. This "+
			"server will now block all updates. The server will remain blocked until contact with the majority is "+
			"restored. It is possible to use group_replication_force_members to force a new group membership.")
		m.emit(NoticeQuorumLoss)
		g.armUnreachableMajorityTimeout(m)
	}
	if !hadQuorum && m.hasQuorum() {
		m.grLog("Warning", "MY-011498", "The member has resumed contact with a majority of the members in the group. "+
			"Regular operation is restored and transactions are unblocked.")
	}
	g.changed()
}

// armUnreachableMajorityTimeout makes a member that stays in a minority leave with ERROR after
// group_replication_unreachable_majority_timeout seconds (0 = wait forever).
func (g *Group) armUnreachableMajorityTimeout(m *Member) {
	t := m.intVar("group_replication_unreachable_majority_timeout")
	if t == 0 {
		return
	}
	v := m.view
	m.after(float64(t), func() {
		if m.view == v && m.grRunning && !m.hasQuorum() {
			m.grLog("ERROR", "MY-011711", "This member could not reach a majority of the members for more than %d "+
				"seconds. The member will now leave the group as instructed by the "+
				"group_replication_unreachable_majority_timeout option.", t)
			g.leaveWithError(m, true)
		}
	})
}

func (g *Group) seesCurrentView(m *Member) bool {
	for _, x := range m.view.grp.current.members {
		if x != m && g.reachable(m, x) {
			return true
		}
	}
	return false
}

// expel removes the members the majority suspects from view v.
func (g *Group) expel(v *view, epoch uint64) {
	if epoch != g.epoch || v != v.grp.current {
		return
	}
	var keep, gone []*Member
	var leader *Member
	for _, x := range v.members {
		if x.up && x.grRunning && x.view == v && x.hasQuorum() && (leader == nil || g.reachable(leader, x)) {
			if leader == nil {
				leader = x
			}
			keep = append(keep, x)
		}
	}
	if leader == nil || 2*len(keep) <= len(v.members) {
		return
	}
	for _, x := range v.members {
		if x != leader && leader.suspects[x] {
			gone = append(gone, x)
		}
	}
	if len(gone) == 0 {
		return
	}
	for _, k := range keep {
		for _, x := range gone {
			k.grLog("Warning", "MY-011499", "Members removed from the group: %s:%d", x.cfg.Host, x.cfg.Port)
		}
	}
	nv := g.installView(v.grp, keep, false)
	g.runElection(nv)
}

// expelledNoticed runs on a member that finds, once it can talk to the group again, that the
// group expelled it: ERROR, then auto-rejoin (MySQL 8.4 manual, "Responses to Failure Detection
// and Network Partitioning").
func (g *Group) expelledNoticed(m *Member) {
	m.grLog("ERROR", "MY-011505", "Member was expelled from the group due to network failures, changing member "+
		"status to ERROR.")
	g.leaveWithError(m, true)
}

// leaveWithError takes m out of the group in ERROR. With autoRejoin and
// group_replication_autorejoin_tries > 0 it starts the auto-rejoin procedure; otherwise (or when
// that fails) group_replication_exit_state_action applies.
func (g *Group) leaveWithError(m *Member, autoRejoin bool) {
	g.leaveView(m)
	m.queue = GTIDSet{}
	m.setReadOnly(true)
	m.state = StateError
	m.emit(NoticeViewChange)
	g.broadcastStateChange(m)
	if autoRejoin && m.intVar("group_replication_autorejoin_tries") > 0 {
		m.rejoin = &rejoinState{}
		g.rejoinAttempt(m)
		return
	}
	g.exitStateAction(m)
}

func (g *Group) rejoinAttempt(m *Member) {
	tries := m.intVar("group_replication_autorejoin_tries")
	m.rejoin.attempt++
	m.grLog("System", "MY-011824", "Started auto-rejoin procedure attempt %d of %d", m.rejoin.attempt, tries)
	state := m.state
	err := g.joinAttempt(m)
	if err == nil {
		m.grLog("System", "MY-011825", "Auto-rejoin procedure succeeded after %d attempt(s)", m.rejoin.attempt)
		m.rejoin = nil
		return
	}
	m.state = state
	if int64(m.rejoin.attempt) < tries {
		m.after(g.cfg.AutoRejoinIntervalSeconds, func() {
			if m.rejoin != nil && m.grRunning && m.state == StateError {
				g.rejoinAttempt(m)
			}
		})
		return
	}
	m.grLog("ERROR", "MY-011735", "The auto-rejoin process was unable to rejoin the member to the group after %d "+
		"attempts.", tries)
	m.rejoin = nil
	g.exitStateAction(m)
}

// exitStateAction applies group_replication_exit_state_action (MySQL 8.4 manual, "Exit Action").
func (g *Group) exitStateAction(m *Member) {
	switch m.globals["group_replication_exit_state_action"] {
	case "OFFLINE_MODE":
		m.globals["offline_mode"] = "ON"
		m.killUnprivilegedSessions()
	case "ABORT_SERVER":
		m.grLog("ERROR", "MY-011712", "The server was automatically set into read only mode after an error was "+
			"detected. The server will now abort as instructed by the group_replication_exit_state_action option.")
		g.crash(m)
		if !m.cfg.Unsupervised {
			g.after(g.cfg.BootSeconds, func() {
				if !m.up {
					m.boot()
					g.connectivityChanged()
				}
			})
		}
	default:
		m.grLog("ERROR", "MY-011712", "The server was automatically set into read only mode after an error "+
			"was detected.")
	}
	g.changed()
}

// forceMembers applies group_replication_force_members on a member without quorum: the listed
// members (XCom addresses) become the new view (MySQL 8.4 manual, "Handling a Network Partition
// and Loss of Quorum").
func (g *Group) forceMembers(m *Member, value string) *Error {
	if value == "" {
		return nil
	}
	if !m.grRunning || m.state != StateOnline || m.view == nil {
		m.grLog("ERROR", "MY-011648", "Member is not ONLINE, it is not possible to force a new group membership.")
		return errWrongValueForVar("group_replication_force_members", value)
	}
	if m.hasQuorum() {
		m.grLog("ERROR", "MY-011649", "The group_replication_force_members can only be updated when Group "+
			"Replication is running and a majority of the members are unreachable.")
		return errWrongValueForVar("group_replication_force_members", value)
	}
	var members []*Member
	for _, addr := range strings.Split(value, ",") {
		addr = strings.TrimSpace(addr)
		var found *Member
		for _, x := range m.view.members {
			if x.address() == addr {
				found = x
			}
		}
		if found == nil || (found != m && !g.reachable(m, found)) {
			m.grLog("ERROR", "MY-011650", "Error setting group_replication_force_members value '%s' on group "+
				"communication interfaces", value)
			return errWrongValueForVar("group_replication_force_members", value)
		}
		members = append(members, found)
	}
	m.grLog("Information", "MY-011502", "The group_replication_force_members value '%s' was set on member.", value)
	grp := m.view.grp
	if m.view != grp.current {
		grp.current = m.view
	}
	nv := g.installView(grp, members, false)
	for _, x := range members {
		x.suspects = map[*Member]bool{}
	}
	g.runElection(nv)
	g.changed()
	return nil
}

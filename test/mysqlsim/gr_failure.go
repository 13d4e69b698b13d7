package mysqlsim

import (
	"strings"
)

// rejoinState tracks the auto-rejoin procedure of an expelled member.
type rejoinState struct{ attempt int }

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

// leaveWithError takes m out of the group in ERROR. With autoRejoin and
// group_replication_autorejoin_tries > 0 it starts the auto-rejoin procedure; otherwise (or when
// that fails) group_replication_exit_state_action applies.
func (g *Group) leaveWithError(m *Member, autoRejoin bool) {
	g.leaveView(m)
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
					_ = m.boot()
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
	g.runElection(nv)
	g.connectivityChanged()
	return nil
}

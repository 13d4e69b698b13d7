package mysqlsim

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// grGroup is one incarnation of a replication group: it starts with a bootstrap and owns the view
// id's fixed part (MySQL 8.4 manual, "Group Membership": view identifiers).
type grGroup struct {
	name          string
	fixed         string
	seq           int
	current       *view
	singlePrimary bool
}

// view is one installed membership view. Members of the same view share the pointer; a member
// cut off from the majority keeps its old view while the others move on.
type view struct {
	grp     *grGroup
	id      string
	members []*Member // sorted by server_uuid
	primary *Member   // single-primary mode; nil in multi-primary mode or before an election
}

func (v *view) has(m *Member) bool {
	for _, x := range v.members {
		if x == m {
			return true
		}
	}
	return false
}

func (v *view) without(m *Member) []*Member {
	var out []*Member
	for _, x := range v.members {
		if x != m {
			out = append(out, x)
		}
	}
	return out
}

// newGRGroup starts a group incarnation. The view id's fixed part is the bootstrap time in
// 100-nanosecond units plus a random offset, as XCom builds it ("16911523488471040:1").
func (g *Group) newGRGroup(name string, singlePrimary bool) *grGroup {
	fixed := g.clock.Now().UnixNano()/100 + int64(len(g.members)*7)%1000
	return &grGroup{name: name, fixed: strconv.FormatInt(fixed, 10), singlePrimary: singlePrimary}
}

// installView makes members the group's new view and tells each of them (MEMBERSHIP_VIEW_CHANGE).
// When members join, the group logs a View_change_log_event that consumes one GTID of the group
// (group_replication_view_change_uuid=AUTOMATIC): the ONLINE members apply it at once.
func (g *Group) installView(grp *grGroup, members []*Member, joined bool) *view {
	sort.Slice(members, func(i, j int) bool { return members[i].uuid < members[j].uuid })
	grp.seq++
	v := &view{grp: grp, id: fmt.Sprintf("%s:%d", grp.fixed, grp.seq), members: members}
	if old := grp.current; old != nil && old.primary != nil && v.has(old.primary) {
		v.primary = old.primary
	}
	grp.current = v
	for _, m := range members {
		m.view = v
	}
	for _, m := range members {
		if m.inGroup() {
			g.watchPeers(m) // forgets members that left, starts detection for silent ones
		}
	}
	if joined {
		g.logViewChangeEvent(v)
	}
	for _, m := range members {
		m.emit(NoticeViewChange)
	}
	g.changed()
	return v
}

func (g *Group) logViewChangeEvent(v *view) {
	set := g.groupExecuted(v)
	n := set.NextFree(v.grp.name)
	for _, m := range v.members {
		if m.state == StateOnline {
			m.receive(v.grp.name, n)
		}
	}
}

// groupExecuted is the union of what the view's ONLINE members executed or queued: the data a
// joiner must reach.
func (g *Group) groupExecuted(v *view) GTIDSet {
	var set GTIDSet
	for _, m := range v.members {
		if m.up && m.state == StateOnline && m.view == v {
			set = set.Union(m.executedOrReceived())
		}
	}
	return set
}

// roleOf is the role m has in its own view.
func roleOf(m *Member) Role {
	if !m.grRunning || m.view == nil || (m.state != StateOnline && m.state != StateRecovering) {
		return RoleNone
	}
	return roleIn(m.view, m)
}

func roleIn(v *view, m *Member) Role {
	if !v.grp.singlePrimary {
		return RolePrimary
	}
	if v.primary == m {
		return RolePrimary
	}
	return RoleSecondary
}

// hasQuorum says whether m sees a majority of its view (itself included) as reachable.
func (m *Member) hasQuorum() bool {
	if m.view == nil {
		return false
	}
	n := 0
	for _, x := range m.view.members {
		if x == m || !m.suspects[x] {
			n++
		}
	}
	return 2*n > len(m.view.members)
}

// canCommit says whether Paxos can make progress for m right now: a majority of its view is
// actually reachable (failure detection has not necessarily noticed yet).
func (m *Member) canCommit() bool {
	if m.view == nil || !m.grRunning {
		return false
	}
	n := 0
	for _, x := range m.view.members {
		if x == m || m.g.reachable(m, x) {
			n++
		}
	}
	return 2*n > len(m.view.members)
}

// electPrimary orders the candidates as MySQL 8.4 does ("Single-Primary Mode", primary election
// algorithm): lowest MySQL version first, then highest group_replication_member_weight, then the
// lowest server_uuid. It is pure: it only reads the candidates.
func electPrimary(cands []Candidate) string {
	if len(cands) == 0 {
		return ""
	}
	sorted := append([]Candidate(nil), cands...)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if c := compareVersions(a.Version, b.Version); c != 0 {
			return c < 0
		}
		if a.Weight != b.Weight {
			return a.Weight > b.Weight
		}
		return a.UUID < b.UUID
	})
	return sorted[0].UUID
}

// Candidate is what the primary election looks at for one ONLINE member.
type Candidate struct {
	UUID    string
	Version string
	Weight  int64
}

func compareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(strings.TrimRightFunc(pa[i], func(r rune) bool { return r < '0' || r > '9' }))
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(strings.TrimRightFunc(pb[i], func(r rune) bool { return r < '0' || r > '9' }))
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// runElection elects a primary when the view has none that is ONLINE, then applies roles:
// the primary turns super_read_only off, everyone else keeps it on, and every member of the view
// announces MEMBER_ROLE_CHANGE.
func (g *Group) runElection(v *view) {
	if !v.grp.singlePrimary || v != v.grp.current {
		return
	}
	if v.primary != nil && v.has(v.primary) && v.primary.state == StateOnline && v.primary.view == v {
		return
	}
	var cands []Candidate
	for _, m := range v.members {
		if m.up && m.view == v && m.state == StateOnline {
			cands = append(cands, Candidate{UUID: m.uuid, Version: m.cfg.Version,
				Weight: m.intVar("group_replication_member_weight")})
		}
	}
	v.primary = nil
	winner := electPrimary(cands)
	if winner == "" {
		return
	}
	for _, m := range v.members {
		if m.uuid == winner {
			v.primary = m
		}
	}
	g.applyRoles(v)
}

// applyRoles sets super_read_only from the roles of the view and sends MEMBER_ROLE_CHANGE.
func (g *Group) applyRoles(v *view) {
	for _, m := range v.members {
		if m.view != v || !m.up {
			continue
		}
		if m.state == StateOnline && roleIn(v, m) == RolePrimary {
			m.setReadOnly(false)
		} else {
			m.setReadOnly(true)
		}
		if v.primary != nil {
			m.grLog("System", "MY-011507", "A new primary with address %s:%d was elected. The new primary will "+
				"execute all previous group transactions before allowing writes.",
				v.primary.cfg.Host, v.primary.cfg.Port)
		}
		m.emit(NoticeRoleChange)
	}
	g.changed()
}

// setState changes m's state and lets every member that has m in its view know.
func (g *Group) setState(m *Member, st MemberState) {
	if m.state == st {
		return
	}
	m.state = st
	g.broadcastStateChange(m)
}

func (g *Group) broadcastStateChange(m *Member) {
	m.emit(NoticeStateChange)
	if m.view != nil {
		for _, x := range m.view.members {
			if x != m && x.view == m.view && g.reachable(m, x) {
				x.emit(NoticeStateChange)
			}
		}
	}
	g.changed()
}

// leaveView takes m out of its view. When m can still reach a majority, the rest of the group
// installs a new view at once (a clean leave); otherwise they find out through failure detection.
func (g *Group) leaveView(m *Member) {
	v := m.view
	if v == nil {
		return
	}
	agreed := v == v.grp.current && m.canCommit()
	m.viewAtLeave = v.id
	m.view = nil
	m.resetWatches()
	if !agreed {
		g.connectivityChanged()
		return
	}
	rest := v.without(m)
	if len(rest) == 0 {
		v.grp.current = nil
		return
	}
	for _, x := range rest {
		x.grLog("Warning", "MY-011499", "Members removed from the group: %s:%d", m.cfg.Host, m.cfg.Port)
	}
	nv := g.installView(v.grp, rest, false)
	m.viewAtLeave = nv.id
	g.runElection(nv)
}

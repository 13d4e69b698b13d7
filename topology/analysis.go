package topology

import (
	"fmt"
	"slices"
	"strings"
)

// certainty says what the operator knows about a member's mysqld.
type certainty int

const (
	// queried: the member answered its status queries.
	queried certainty = iota
	// down: the pod is absent, not running or being deleted, so mysqld is certainly not in a group.
	down
	// unknown: the pod runs but the member could not be queried; it could be in any state.
	unknown
)

// memberInfo is one observed member plus everything derived from it. It points into the
// observation, which is never written.
type memberInfo struct {
	*Member
	desired  bool
	cert     certainty
	gtidOK   bool    // executed (and received) parsed
	executed GTIDSet // @@gtid_executed
	advanced GTIDSet // executed ∪ received: how far the member got
	purged   GTIDSet
	purgedOK bool
	entry    *GroupMember // how the group with quorum lists the member; nil when it does not
	// pristine: every transaction the member has is its own (server_uuid), so it never took part in a
	// group: the official image's initialisation (time zone tables) leaves such transactions.
	pristine bool
}

// selfState is the member's own report, empty when it could not be queried.
func (m *memberInfo) selfState() MemberState {
	if m.Status == nil {
		return ""
	}
	return m.Status.State
}

// grRunning reports whether the member's Group Replication is started (in a group, in ERROR, or
// trying to rejoin on its own): it must be stopped before it is started again.
func (m *memberInfo) grRunning() bool {
	s := m.selfState()
	return s == StateOnline || s == StateRecovering || s == StateError || (m.Status != nil && m.Status.AutoRejoining)
}

// cloning reports whether a clone is replacing the member's data right now.
func (m *memberInfo) cloning() bool {
	return m.Status != nil && m.Status.Clone.State == CloneInProgress
}

// actionable reports whether the operator may run something on the member.
func (m *memberInfo) actionable() bool { return m.cert == queried && !m.PodDeleting }

// listedAlive reports whether the group with quorum lists the member as ONLINE or RECOVERING.
func (m *memberInfo) listedAlive() bool {
	return m.entry != nil && (m.entry.State == StateOnline || m.entry.State == StateRecovering)
}

// perspective is one reachable in-group member's view of the group.
type perspective struct {
	reporter *memberInfo
	viewID   string
	entries  []GroupMember
	quorum   bool
}

// analysis is the derived, read-only picture of one observation.
type analysis struct {
	obs     *Observation
	members []*memberInfo // observation order
	ordered []*memberInfo // by ordinal
	byPod   map[string]*memberInfo
	byUUID  map[string]*memberInfo

	quorumViews   []*perspective // perspectives with quorum, one per distinct view id
	minorityViews []*perspective // perspectives of members in a view without quorum
	group         *perspective   // the single group with quorum, nil if none or if views disagree
	viewsDisagree bool
	splitBrain    bool
	primary       *memberInfo  // pod of the group's PRIMARY entry
	primaryEntry  *GroupMember // the group's PRIMARY entry, even if it matches no pod
	groupGTID     GTIDSet      // union of gtid_executed over queried ONLINE members of the group
	groupGTIDOK   bool         // at least one queried ONLINE member contributed
}

// validate rejects observations that cannot be reasoned about.
func validate(obs *Observation) error {
	if obs.Instances < 0 {
		return fmt.Errorf("instances is %d", obs.Instances)
	}
	pods, ordinals := map[string]bool{}, map[int]bool{}
	for _, m := range obs.Members {
		if m.Pod == "" {
			return fmt.Errorf("member with ordinal %d has no pod name", m.Ordinal)
		}
		if pods[m.Pod] || ordinals[m.Ordinal] {
			return fmt.Errorf("member %s (ordinal %d) appears twice", m.Pod, m.Ordinal)
		}
		if m.Ordinal < 0 {
			return fmt.Errorf("member %s has negative ordinal %d", m.Pod, m.Ordinal)
		}
		pods[m.Pod], ordinals[m.Ordinal] = true, true
	}
	return nil
}

// analyze derives the picture. obs must have passed validate.
func analyze(obs *Observation) *analysis {
	a := &analysis{obs: obs, byPod: map[string]*memberInfo{}, byUUID: map[string]*memberInfo{}}
	for i := range obs.Members {
		mi := newMemberInfo(&obs.Members[i], obs.Instances)
		a.members = append(a.members, mi)
		a.byPod[mi.Pod] = mi
		if mi.Status != nil && mi.Status.ServerUUID != "" {
			a.byUUID[strings.ToLower(mi.Status.ServerUUID)] = mi
		}
	}
	a.ordered = slices.Clone(a.members)
	slices.SortFunc(a.ordered, func(x, y *memberInfo) int { return x.Ordinal - y.Ordinal })
	a.collectViews()
	a.chooseGroup()
	a.computeGroupGTID()
	return a
}

func newMemberInfo(m *Member, instances int) *memberInfo {
	mi := &memberInfo{Member: m, desired: m.Ordinal < instances}
	switch {
	case m.Status != nil:
		mi.cert = queried
	case !m.PodExists || !m.PodRunning || m.PodDeleting:
		mi.cert = down
	default:
		mi.cert = unknown
	}
	if m.Status == nil {
		return mi
	}
	exec, errE := ParseGTIDSet(m.Status.GTIDExecuted)
	recv, errR := ParseGTIDSet(m.Status.GTIDReceived)
	if errE == nil && errR == nil {
		mi.gtidOK, mi.executed, mi.advanced = true, exec, exec.Union(recv)
		mi.pristine = mi.advanced.OnlyFrom(m.Status.ServerUUID)
	}
	if p, err := ParseGTIDSet(m.Status.GTIDPurged); err == nil {
		mi.purged, mi.purgedOK = p, true
	}
	return mi
}

// collectViews records each queried ONLINE or RECOVERING member's view of the group.
func (a *analysis) collectViews() {
	byID := map[string]int{}
	for _, mi := range a.ordered {
		s := mi.selfState()
		if s != StateOnline && s != StateRecovering {
			continue
		}
		p := &perspective{reporter: mi, viewID: mi.Status.ViewID, entries: mi.Status.Group}
		p.quorum = hasQuorum(p.entries, mi.Status.ServerUUID)
		switch {
		case p.quorum:
			key := p.viewID
			if key == "" {
				key = "\x00" + mi.Pod // a view without id is malformed: never merge it with another
			}
			if i, ok := byID[key]; ok {
				a.quorumViews[i] = preferReporter(a.quorumViews[i], p)
				continue
			}
			byID[key] = len(a.quorumViews)
			a.quorumViews = append(a.quorumViews, p)
		default:
			a.minorityViews = append(a.minorityViews, p)
		}
	}
}

// preferReporter keeps the most authoritative perspective of one view: the primary's own, else an
// ONLINE member's, else the first.
func preferReporter(cur, cand *perspective) *perspective {
	rank := func(p *perspective) int {
		switch {
		case p.reporter.Status.Role == RolePrimary:
			return 2
		case p.reporter.Status.State == StateOnline:
			return 1
		}
		return 0
	}
	if rank(cand) > rank(cur) {
		return cand
	}
	return cur
}

// hasQuorum applies Group Replication's rule: a majority of the view's members are reachable
// (ONLINE or RECOVERING rather than UNREACHABLE). The reporter must list itself.
func hasQuorum(entries []GroupMember, self string) bool {
	alive, listed := 0, false
	for _, e := range entries {
		if strings.EqualFold(e.UUID, self) {
			listed = true
		}
		if e.State == StateOnline || e.State == StateRecovering {
			alive++
		}
	}
	return listed && 2*alive > len(entries)
}

// chooseGroup picks the single group with quorum, or records why there is none.
func (a *analysis) chooseGroup() {
	switch len(a.quorumViews) {
	case 0:
		return
	case 1:
		a.group = a.quorumViews[0]
	default:
		a.viewsDisagree = true
		a.splitBrain = anyDisjoint(a.quorumViews)
		return
	}
	for i := range a.group.entries {
		e := &a.group.entries[i]
		mi := a.podFor(e)
		if mi != nil {
			mi.entry = e
		}
		if e.Role == RolePrimary && e.State == StateOnline {
			a.primaryEntry, a.primary = e, mi
		}
	}
}

// anyDisjoint reports whether two quorum views share no live member: two groups that can both
// commit, which Group Replication alone never produces.
func anyDisjoint(views []*perspective) bool {
	for i := range views {
		for j := i + 1; j < len(views); j++ {
			if !shareAliveMember(views[i].entries, views[j].entries) {
				return true
			}
		}
	}
	return false
}

func shareAliveMember(x, y []GroupMember) bool {
	for _, e := range x {
		if e.State != StateOnline && e.State != StateRecovering {
			continue
		}
		for _, f := range y {
			if strings.EqualFold(e.UUID, f.UUID) && (f.State == StateOnline || f.State == StateRecovering) {
				return true
			}
		}
	}
	return false
}

// podFor maps a group entry to a pod: by server UUID for queried members, else by host for members
// that could not be queried. A queried member with another UUID at that host is a new incarnation,
// so the entry is stale and maps to nothing.
func (a *analysis) podFor(e *GroupMember) *memberInfo {
	if mi, ok := a.byUUID[strings.ToLower(e.UUID)]; ok {
		return mi
	}
	for _, mi := range a.ordered {
		if mi.Status == nil && mi.Host != "" && strings.EqualFold(mi.Host, e.Host) {
			return mi
		}
	}
	return nil
}

// computeGroupGTID unions what the group's queried ONLINE members executed or received (a member
// never drops a certified transaction it received): the reference for errant and missing
// transactions.
func (a *analysis) computeGroupGTID() {
	if a.group == nil {
		return
	}
	for _, mi := range a.ordered {
		if mi.listedAlive() && mi.entry.State == StateOnline && mi.selfState() == StateOnline && mi.gtidOK {
			a.groupGTID = a.groupGTID.Union(mi.advanced)
			a.groupGTIDOK = true
		}
	}
}

// inGroupConsistently reports whether the group lists the member alive and the member agrees.
func (a *analysis) inGroupConsistently(mi *memberInfo) bool {
	if !mi.listedAlive() || mi.Status == nil {
		return false
	}
	s := mi.selfState()
	return (s == StateOnline || s == StateRecovering) && mi.Status.ViewID == a.group.viewID
}

// anyUncertain reports whether some member's state is unknown and the group does not vouch for it.
func (a *analysis) anyUncertain() bool {
	for _, mi := range a.members {
		if mi.cert == unknown && !mi.listedAlive() {
			return true
		}
	}
	return false
}

// podNames lists the pods of members, for messages and actions.
func podNames(ms []*memberInfo) []string {
	out := make([]string, 0, len(ms))
	for _, mi := range ms {
		out = append(out, mi.Pod)
	}
	return out
}

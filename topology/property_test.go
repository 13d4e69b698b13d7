package topology

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

// gen produces random, often inconsistent observations: members in every pod and Group
// Replication state, views that agree or not, random GTID sets and random requests.
type gen struct{ r *rand.Rand }

func (g_ gen) one(xs ...string) string { return xs[g_.r.IntN(len(xs))] }
func (g_ gen) chance(n int) bool       { return g_.r.IntN(n) == 0 }

func randomObservation(seed uint64) Observation {
	gn := gen{rand.New(rand.NewPCG(seed, 7))}
	n := 1 + gn.r.IntN(6)
	o := Observation{Instances: gn.r.IntN(n + 2), Initialized: !gn.chance(3), CloneThreshold: int64(gn.r.IntN(3) * 8),
		SwitchoverMaxQueue: 100, Zones: gn.r.IntN(4)}
	truth := map[string][]GroupMember{}
	for _, v := range []string{"1:1", "1:2", "2:1"} {
		truth[v] = gn.entries(n, -1)
	}
	for i := range n {
		o.Members = append(o.Members, gn.member(i, n, truth))
	}
	if gn.chance(5) {
		gn.heal(o.Members)
	}
	gn.r.Shuffle(len(o.Members), func(i, j int) { o.Members[i], o.Members[j] = o.Members[j], o.Members[i] })
	pods := []string{"", "", "", "nope", pod(0), pod(1), pod(2), pod(n - 1)}
	o.Requests = Requests{
		ForceRebootFrom:   pods[gn.r.IntN(len(pods))],
		ForceQuorum:       gn.chance(3),
		SwitchoverTo:      pods[gn.r.IntN(len(pods))],
		AllowErrantWipe:   gn.chance(3),
		RollingUpgrade:    gn.chance(2),
		RotateCredentials: gn.chance(4),
		Rebalance:         gn.chance(2),
	}
	return o
}

// heal makes most members ONLINE in one shared healthy view, so that the decisions of a healthy group
// (switchover, upgrade, rebalance) are drawn often; the other random fields stay as they were.
func (gn gen) heal(ms []Member) {
	n := len(ms)
	primary := gn.r.IntN(n)
	var view []GroupMember
	for j := range n {
		e := entry(j, StateOnline, pick(j == primary, RolePrimary, RoleSecondary))
		e.Version = "8.4.6"
		view = append(view, e)
	}
	for i := range ms {
		m := &ms[i]
		if gn.chance(10) {
			continue
		}
		m.PodExists, m.PodRunning, m.PodDeleting, m.Unreachable = true, true, gn.chance(20), ""
		if m.Status == nil {
			m.Status = &MemberStatus{ServerUUID: uuid(m.Ordinal), GTIDExecuted: g("1-20"), Version: "8.4.6"}
		}
		st := m.Status
		st.State, st.Role, st.ViewID, st.Version = StateOnline, view[m.Ordinal].Role, "1:1", "8.4.6"
		st.Clone.State, st.AutoRejoining = CloneNone, false
		st.Group = make([]GroupMember, n)
		copy(st.Group, view)
		if m.Node == "" && gn.chance(2) {
			gn.place(m)
		}
	}
}

// place schedules the member's pod on one of four nodes (or none), each in its zone, and sometimes records a
// rebalance move of it.
func (gn gen) place(m *Member) {
	if !m.PodExists || gn.chance(8) {
		return
	}
	k := gn.r.IntN(4)
	m.Node, m.Zone = fmt.Sprintf("n%d", k), []string{"a", "b", "c", ""}[k]
	if gn.chance(5) {
		m.MovedFrom = gn.one("n0", "n1", "n2", "n3")
	}
}

// entries is a random replication_group_members table over some of n members, with at most one
// primary; self (if >= 0) is always listed.
func (gn gen) entries(n, self int) []GroupMember {
	var es []GroupMember
	primary := gn.r.IntN(n + 1)
	for j := range n {
		if j != self && gn.chance(3) {
			continue
		}
		st := []MemberState{StateOnline, StateOnline, StateRecovering, StateUnreachable}[gn.r.IntN(4)]
		role := pick(j == primary && st != StateRecovering, RolePrimary, RoleSecondary)
		e := entry(j, st, role)
		e.Version = gn.one("8.4.6", "8.4.6", "8.4.7")
		es = append(es, e)
	}
	return es
}

func (gn gen) member(i, n int, truth map[string][]GroupMember) Member {
	m := Member{Pod: pod(i), Ordinal: i, Host: host(i), PodExists: !gn.chance(8), AtTarget: !gn.chance(3)}
	m.PodRunning = m.PodExists && !gn.chance(6)
	m.PodDeleting = m.PodExists && gn.chance(12)
	m.Restarted = gn.chance(6)
	gn.place(&m)
	if !m.PodRunning || gn.chance(6) {
		m.Unreachable = "dial tcp: i/o timeout"
		return m
	}
	st := &MemberStatus{
		ServerUUID:   uuid(i),
		State:        []MemberState{StateOffline, StateOnline, StateOnline, StateRecovering, StateError}[gn.r.IntN(5)],
		GTIDExecuted: gn.one("", g("1-10"), g("1-20"), g("1-15"), g("1-20")+","+xUUID+":1", "garbage"),
		GTIDReceived: gn.one("", "", g("1-21")),
		GTIDPurged:   gn.one("", "", g("1-5"), g("1-18")),
		Version:      gn.one("8.4.6", "8.4.7", "9.0.0"),
		OfflineMode:  gn.chance(5),
		ApplierQueue: int64(gn.r.IntN(3) * 60),
	}
	if gn.chance(8) {
		st.BootstrapGroup = true
	}
	if gn.chance(8) {
		st.ForceMembers = host(0) + ":3306"
	}
	if gn.chance(8) {
		st.Clone.State = CloneInProgress
	}
	if gn.chance(6) {
		st.RecoveryError = "Access denied for user 'orca_repl'"
	}
	st.AutoRejoining = st.State != StateOnline && gn.chance(8)
	if st.State == StateOnline || st.State == StateRecovering {
		gn.placeInView(i, n, st, truth)
	} else {
		st.Group = []GroupMember{{UUID: st.ServerUUID, Host: host(i), Port: 3306, State: st.State}}
	}
	m.Status = st
	return m
}

// placeInView gives an in-group member a view: the shared one of its view id when it is listed
// there, else a private random one.
func (gn gen) placeInView(i, n int, st *MemberStatus, truth map[string][]GroupMember) {
	st.ViewID = gn.one("1:1", "1:2", "2:1")
	es := truth[st.ViewID]
	if !listed(es, i) || gn.chance(4) {
		es = gn.entries(n, i)
	}
	st.Group = make([]GroupMember, len(es))
	copy(st.Group, es)
	for k := range st.Group {
		if st.Group[k].UUID == uuid(i) {
			if st.Group[k].State == StateUnreachable {
				st.Group[k].State = st.State // nobody sees itself UNREACHABLE
			}
			st.State, st.Role = st.Group[k].State, st.Group[k].Role
		}
	}
}

func listed(es []GroupMember, i int) bool {
	for _, e := range es {
		if e.UUID == uuid(i) {
			return true
		}
	}
	return false
}

// TestDecideProperties checks invariants that must hold for any observation.
func TestDecideProperties(t *testing.T) {
	states, kinds := map[ClusterState]int{}, map[ActionKind]int{}
	for seed := range uint64(30000) {
		obs := randomObservation(seed)
		d := Decide(obs)
		if !reflect.DeepEqual(obs, randomObservation(seed)) {
			t.Fatalf("seed %d: Decide mutated its input", seed)
		}
		if again := Decide(obs); !reflect.DeepEqual(d, again) {
			t.Fatalf("seed %d: Decide is not deterministic", seed)
		}
		if err := checkInvariants(obs, d); err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, describe(d))
		}
		states[d.State]++
		for _, a := range d.Actions {
			kinds[a.Kind]++
		}
	}
	for _, s := range []ClusterState{ClusterOnline, ClusterOnlinePartial, ClusterOnlineUncertain, ClusterNoQuorum,
		ClusterNoQuorumUncertain, ClusterOffline, ClusterOfflineUncertain, ClusterInitializing, ClusterUnknown} {
		if states[s] == 0 {
			t.Errorf("the generator never produced state %s: %v", s, states)
		}
	}
	for _, k := range []ActionKind{ActionBootstrapGroup, ActionRebootGroup, ActionForceQuorum, ActionJoinMember,
		ActionRejoinMember, ActionCloneMember, ActionRemoveMember, ActionSwitchover, ActionUpgradeMember,
		ActionResetVariables, ActionRotateCredentials, ActionMoveMember} {
		if kinds[k] == 0 {
			t.Errorf("the generator never produced action %s: %v", k, kinds)
		}
	}
	t.Logf("states %v\nactions %v", states, kinds)
}

// checkInvariants returns the first violated safety rule.
func checkInvariants(obs Observation, d Decision) error {
	byPod := map[string]*Member{}
	for i := range obs.Members {
		byPod[obs.Members[i].Pod] = &obs.Members[i]
	}
	if len(d.Members) != len(obs.Members) && d.Reason != ReasonInvalidObservation {
		return fmt.Errorf("%d assessments for %d members", len(d.Members), len(obs.Members))
	}
	if err := checkGroupActions(obs, d); err != nil {
		return err
	}
	for _, a := range d.Actions {
		if err := checkAction(obs, d, byPod, a); err != nil {
			return fmt.Errorf("%s %s: %w", a.Kind, a.Member, err)
		}
	}
	return nil
}

// checkGroupActions: never two group-creating actions, each only in its state, and nothing at
// all where Orca must not act.
func checkGroupActions(obs Observation, d Decision) error {
	creating := 0
	for _, a := range d.Actions {
		switch a.Kind {
		case ActionBootstrapGroup, ActionRebootGroup, ActionForceQuorum:
			creating++
		}
	}
	if creating > 1 {
		return fmt.Errorf("%d group-creating actions", creating)
	}
	if len(d.Actions) == 0 {
		return nil
	}
	first := d.Actions[0].Kind
	switch d.State {
	case ClusterSplitBrain, ClusterUnknown, ClusterFinalizing, ClusterPending, ClusterNoQuorumUncertain:
		return fmt.Errorf("acted in state %s", d.State)
	case ClusterNoQuorum:
		if first != ActionForceQuorum || len(d.Actions) != 1 {
			return fmt.Errorf("quorum lost: only a force quorum may run")
		}
		if !obs.Requests.ForceQuorum && !autoQuorumSafe(obs, d.Actions[0]) {
			return fmt.Errorf("quorum forced without a request while it could lose transactions")
		}
	case ClusterInitializing:
		if first != ActionBootstrapGroup {
			return fmt.Errorf("initializing but %s", first)
		}
	case ClusterOffline, ClusterOfflineUncertain:
		if first != ActionRebootGroup {
			return fmt.Errorf("offline but %s", first)
		}
		if missing := unqueriedExpected(obs); obs.Requests.ForceRebootFrom == "" && missing != "" {
			return fmt.Errorf("rebooted without a request while %s cannot be queried", missing)
		}
	default:
		if creating > 0 {
			return fmt.Errorf("created a group while one has quorum (%s)", d.State)
		}
	}
	return nil
}

// checkAction: every action targets queried members that are not being deleted, never removes
// the primary, never restarts a RECOVERING member, and only repairs desired members.
func checkAction(obs Observation, d Decision, byPod map[string]*Member, a Action) error {
	targets := append([]string{a.Member}, a.Members...)
	if a.Donor != "" {
		targets = append(targets, a.Donor)
	}
	for _, p := range targets {
		m := byPod[p]
		if m == nil || m.Status == nil || m.PodDeleting {
			return fmt.Errorf("targets %s, which cannot be queried or is being deleted", p)
		}
	}
	m := byPod[a.Member]
	if a.Kind == ActionRemoveMember && a.Member == d.Primary {
		return fmt.Errorf("removes the primary")
	}
	if a.Kind == ActionSwitchover && a.Member == d.Primary {
		return fmt.Errorf("switches over to the current primary")
	}
	touches := a.Kind == ActionJoinMember || a.Kind == ActionRejoinMember || a.Kind == ActionCloneMember ||
		a.Kind == ActionUpgradeMember || a.Kind == ActionMoveMember
	if touches && (m.Status.State == StateRecovering || assessment(d, a.Member).State == StateRecovering) {
		return fmt.Errorf("restarts a RECOVERING member")
	}
	if touches && m.Status.Clone.State == CloneInProgress {
		return fmt.Errorf("acts on a member that is being cloned")
	}
	if joins := touches && a.Kind != ActionUpgradeMember && a.Kind != ActionMoveMember; joins && anyRecovering(obs, d) {
		return fmt.Errorf("joins while a member recovers: members join one at a time")
	}
	if touches && m.Ordinal >= obs.Instances {
		return fmt.Errorf("repairs a member beyond the desired instances")
	}
	restarts := touches || a.Kind == ActionBootstrapGroup || a.Kind == ActionRebootGroup
	running := m.Status.State == StateError || m.Status.State == StateOnline || m.Status.AutoRejoining
	if restarts && a.Kind != ActionUpgradeMember && a.Kind != ActionMoveMember && a.StopFirst != running {
		return fmt.Errorf("StopFirst=%v for a member in %s", a.StopFirst, m.Status.State)
	}
	if a.Kind == ActionSwitchover && m.Status.ApplierQueue > obs.SwitchoverMaxQueue {
		return fmt.Errorf("switches over to a member %d transactions behind", m.Status.ApplierQueue)
	}
	if a.Kind == ActionRotateCredentials && a.Member != d.Primary {
		return fmt.Errorf("rotates credentials on a member that is not the primary")
	}
	if a.Kind == ActionMoveMember {
		return checkMove(obs, d, m)
	}
	return nil
}

// checkMove: a member moves only on request, only a secondary that is crowded and was not moved yet, only while
// every desired member is ONLINE in the group, and only when the group keeps quorum without it.
func checkMove(obs Observation, d Decision, m *Member) error {
	switch {
	case !obs.Requests.Rebalance:
		return fmt.Errorf("moves a member without a rebalance request")
	case m.Pod == d.Primary || m.Status.Role == RolePrimary || assessment(d, m.Pod).Role == RolePrimary:
		return fmt.Errorf("moves the primary")
	case m.MovedFrom != "":
		return fmt.Errorf("moves a member a second time in one request")
	case m.Ordinal >= obs.Instances:
		return fmt.Errorf("moves a member beyond the desired instances")
	case d.State != ClusterOnline:
		return fmt.Errorf("moves a member while the cluster is %s", d.State)
	}
	var ps []Placement
	for _, o := range obs.Members {
		if o.Ordinal < obs.Instances && o.PodExists && !o.PodDeleting {
			ps = append(ps, Placement{Pod: o.Pod, Node: o.Node, Zone: o.Zone})
		}
		if o.Ordinal < obs.Instances && (o.Status == nil || o.PodDeleting || o.Status.State != StateOnline) {
			return fmt.Errorf("moves a member while %s is not ONLINE and queryable", o.Pod)
		}
	}
	if !AssessSpread(obs.Instances, obs.Zones, ps).Crowded(m.Pod) {
		return fmt.Errorf("moves a member that is not colocated")
	}
	view := m.Status.Group
	for _, o := range obs.Members {
		if o.Pod == d.Primary && o.Status != nil {
			view = o.Status.Group // the group's own view: a view id names one membership
		}
	}
	return keepsQuorum(view, m.Status.ServerUUID)
}

// keepsQuorum: the group's view still has a majority alive once the member leaves it.
func keepsQuorum(view []GroupMember, self string) error {
	alive, size := 0, len(view)
	for _, e := range view {
		if e.State == StateOnline || e.State == StateRecovering {
			alive++
		}
		if e.UUID == self {
			alive, size = alive-1, size-1
		}
	}
	if 2*alive <= size {
		return fmt.Errorf("leaves %d of %d alive: the group would lose quorum", alive, size)
	}
	return nil
}

// anyRecovering reports whether a member recovers normally (one whose donor connection fails does not
// hold up the others).
func anyRecovering(obs Observation, d Decision) bool {
	for _, a := range d.Members {
		if a.Health != HealthRecovering {
			continue
		}
		for _, m := range obs.Members {
			if m.Pod == a.Pod && (m.Status == nil || m.Status.RecoveryError == "") {
				return true
			}
		}
	}
	return false
}

// autoQuorumSafe: an unrequested force quorum needs every expected member queried and the forced
// members to hold every transaction any member has.
func autoQuorumSafe(obs Observation, a Action) bool {
	var all, held GTIDSet
	for _, m := range obs.Members {
		if (m.Ordinal < obs.Instances || m.PodExists) && (m.Status == nil || m.PodDeleting) {
			return false
		}
		if m.Status == nil {
			continue
		}
		exec, err1 := ParseGTIDSet(m.Status.GTIDExecuted)
		recv, err2 := ParseGTIDSet(m.Status.GTIDReceived)
		if err1 != nil || err2 != nil {
			return false
		}
		all = all.Union(exec).Union(recv)
		for _, p := range a.Members {
			if p == m.Pod {
				held = held.Union(exec).Union(recv)
			}
		}
	}
	return all.SubsetOf(held)
}

// unqueriedExpected names a member that may have been in the last group (a desired ordinal, or any existing
// pod) and was not queried: after a complete outage it may hold transactions no other member has.
func unqueriedExpected(obs Observation) string {
	seen := map[int]bool{}
	for _, m := range obs.Members {
		if m.Ordinal >= obs.Instances && !m.PodExists {
			continue
		}
		seen[m.Ordinal] = true
		if m.Status == nil {
			return m.Pod
		}
	}
	for o := range obs.Instances {
		if !seen[o] {
			return fmt.Sprintf("ordinal %d", o)
		}
	}
	return ""
}

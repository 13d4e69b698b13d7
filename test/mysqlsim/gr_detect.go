package mysqlsim

// suspicion is one member's failure detector state about one other member of its view (MySQL 8.4
// manual, 20.1.4.2 "Failure Detection", 20.7.7.1 "Expel Timeout"). Each member suspects each
// other member on its own: silence starts the detection period (DetectionSeconds), after which the
// peer is UNREACHABLE and that member's group_replication_member_expel_timeout starts. So a later,
// unrelated failure never resets the clock of an earlier one.
type suspicion struct {
	stops   []func() bool
	expired bool // the expel timeout passed while the member could not reach a majority
}

// connectivityChanged re-evaluates every link after the network or a member's process changed:
// members start or clear their suspicions, and a member cut off from a group that expelled it
// notices once it hears the group again. Nested calls (an expelled member leaving calls it again)
// are folded into one more pass.
func (g *Group) connectivityChanged() {
	g.epoch++
	if g.evaluating {
		g.evaluateAgain = true
		return
	}
	g.evaluating = true
	for again := true; again; {
		g.evaluateAgain = false
		g.evaluateLinks()
		again = g.evaluateAgain
	}
	g.evaluating = false
	g.changed()
}

func (g *Group) evaluateLinks() {
	members := append([]*Member(nil), g.members...)
	for _, m := range members {
		if m.inGroup() {
			g.watchPeers(m)
			g.retryExpiredExpels(m)
		}
	}
	for _, m := range members {
		if m.inGroup() && m.view.grp.current != nil && m.view != m.view.grp.current && g.seesCurrentView(m) {
			g.expelledNoticed(m)
		}
	}
}

func (m *Member) inGroup() bool { return m.up && m.grRunning && m.view != nil }

// hears says whether m's group communication receives messages from x: both processes run XCom
// in a group and the network links them.
func (g *Group) hears(m, x *Member) bool { return g.reachable(m, x) && x.view != nil }

// watchPeers starts the detection period for every member of m's view that m cannot hear and
// clears what m suspected of the members it hears again. It never changes a view.
func (g *Group) watchPeers(m *Member) {
	for x := range m.watch {
		if !m.view.has(x) {
			m.dropWatch(x)
		}
	}
	for _, x := range m.view.members {
		if x == m {
			continue
		}
		heard := g.hears(m, x)
		switch {
		case !heard && m.watch[x] == nil:
			g.startSuspicion(m, x)
		case heard && m.watch[x] != nil:
			g.clearSuspicion(m, x)
		}
	}
}

func (g *Group) startSuspicion(m, x *Member) {
	s := &suspicion{}
	m.watch[x] = s
	s.stops = append(s.stops, m.after(g.cfg.DetectionSeconds, func() { g.suspect(m, x, s) }))
}

// suspect ends the detection period: x is UNREACHABLE for m, and m's expel timeout for x starts.
func (g *Group) suspect(m, x *Member, s *suspicion) {
	if m.watch[x] != s || !m.inGroup() || !m.view.has(x) {
		return
	}
	hadQuorum := m.hasQuorum()
	m.suspects[x] = true
	m.grLog("Warning", "MY-011493", "Member with address %s:%d has become unreachable.", x.cfg.Host, x.cfg.Port)
	m.emit(NoticeStateChange)
	g.quorumChanged(m, hadQuorum)
	timeout := float64(m.intVar("group_replication_member_expel_timeout"))
	s.stops = append(s.stops, m.after(timeout, func() { g.expelSuspect(m, x, s) }))
	g.changed()
}

// clearSuspicion runs when m hears x again: before the expel timeout, x is the same incarnation
// and simply becomes ONLINE again in m's view.
func (g *Group) clearSuspicion(m, x *Member) {
	wasSuspected := m.suspects[x]
	hadQuorum := m.hasQuorum()
	m.dropWatch(x)
	if !wasSuspected {
		return
	}
	m.grLog("Warning", "MY-011494", "Member with address %s:%d is reachable again.", x.cfg.Host, x.cfg.Port)
	m.emit(NoticeStateChange)
	g.quorumChanged(m, hadQuorum)
}

// dropWatch forgets m's failure detector state about x (x left the view or is heard again).
func (m *Member) dropWatch(x *Member) {
	if s := m.watch[x]; s != nil {
		for _, stop := range s.stops {
			stop()
		}
	}
	delete(m.watch, x)
	delete(m.suspects, x)
}

// resetWatches forgets every suspicion (the member left its view or its process ended).
func (m *Member) resetWatches() {
	for x := range m.watch {
		m.dropWatch(x)
	}
	m.watch, m.suspects = map[*Member]*suspicion{}, map[*Member]bool{}
}

// expelSuspect runs when m's suspicion of x times out. The expel is a Paxos decision, so m needs a
// reachable majority of its view; without one the suspicion stays expired and the expel happens
// as soon as a majority is back.
func (g *Group) expelSuspect(m, x *Member, s *suspicion) {
	if m.watch[x] != s || !m.suspects[x] || !m.inGroup() {
		return
	}
	v := m.view
	if v != v.grp.current || !v.has(x) {
		return
	}
	if !m.canCommit() {
		s.expired = true
		return
	}
	rest := v.without(x)
	for _, k := range rest {
		if k.up && k.view == v {
			k.grLog("Warning", "MY-011499", "Members removed from the group: %s:%d", x.cfg.Host, x.cfg.Port)
		}
	}
	nv := g.installView(v.grp, rest, false)
	g.runElection(nv)
}

func (g *Group) retryExpiredExpels(m *Member) {
	for x, s := range m.watch {
		if s.expired && m.inGroup() && m.canCommit() {
			s.expired = false
			g.expelSuspect(m, x, s)
		}
	}
}

// quorumChanged logs and signals the loss or return of a majority after m's suspicions changed.
func (g *Group) quorumChanged(m *Member, hadQuorum bool) {
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
}

// suspicionPending says whether a member of v currently suspects another member of v. While one
// does, XCom cannot change the membership except by expelling the suspect, so joins wait.
func suspicionPending(v *view) bool {
	for _, y := range v.members {
		if !y.up || y.view != v {
			continue
		}
		for x := range y.suspects {
			if v.has(x) {
				return true
			}
		}
	}
	return false
}

func (g *Group) seesCurrentView(m *Member) bool {
	for _, x := range m.view.grp.current.members {
		if x != m && g.reachable(m, x) {
			return true
		}
	}
	return false
}

// expelledNoticed runs on a member that finds, once it can talk to the group again, that the
// group expelled it: ERROR, then auto-rejoin (MySQL 8.4 manual, "Responses to Failure Detection
// and Network Partitioning").
func (g *Group) expelledNoticed(m *Member) {
	m.grLog("ERROR", "MY-011505", "Member was expelled from the group due to network failures, changing member "+
		"status to ERROR.")
	g.leaveWithError(m, true)
}

package topology

import (
	"fmt"
	"strings"
)

// planRepairs brings desired members that are out of the group back in: join, rejoin or clone.
// RECOVERING members are never touched, and nothing joins while one recovers: members join one at
// a time.
func (a *analysis) planRepairs(p *plan) {
	recovering := a.recoveringMembers()
	for _, mi := range recovering {
		if e := mi.recoveryError(); e != "" {
			p.note(ReasonMemberRecovering, mi.Pod, "%s is in distributed recovery and its donor connection fails "+
				"(%s); it is left alone, and does not hold up other members", mi.Pod, e)
			continue
		}
		p.note(ReasonMemberRecovering, mi.Pod, "%s is in distributed recovery; it is left alone until it is ONLINE",
			mi.Pod)
	}
	for _, mi := range a.ordered {
		if !mi.desired {
			continue
		}
		switch {
		case mi.cert == unknown && !a.vouched(mi):
			p.note(ReasonMembersUnreachable, mi.Pod, "%s runs but cannot be queried: %s", mi.Pod, mi.Unreachable)
			continue
		case mi.cert == queried && mi.cloning():
			p.note(ReasonMemberCloning, mi.Pod, "a clone is replacing the data of %s; it is left alone until the "+
				"clone ends", mi.Pod)
			continue
		case !a.needsRepair(mi):
			continue
		}
		if blocked := a.repairBlocker(mi, recovering); blocked != nil {
			p.findings = append(p.findings, *blocked)
			continue
		}
		if act, f := a.repairAction(mi); f != nil {
			p.findings = append(p.findings, *f)
		} else {
			p.act(act)
		}
	}
}

// recoveryError is the member's last distributed-recovery error, if it reported one.
func (m *memberInfo) recoveryError() string {
	if m.Status == nil {
		return ""
	}
	return m.Status.RecoveryError
}

// cutOff reports whether a member ONLINE in a view of its own sees members of the group with quorum as
// UNREACHABLE: it cannot talk to them, so starting Group Replication on it again would only block until
// the join times out.
func (a *analysis) cutOff(mi *memberInfo) bool { return a.unreachableFrom(mi) != "" }

// unreachableFrom names the members of the group with quorum that mi's own view lists as UNREACHABLE.
func (a *analysis) unreachableFrom(mi *memberInfo) string {
	if a.group == nil || mi.Status == nil || mi.selfState() != StateOnline {
		return ""
	}
	var names []string
	for i := range mi.Status.Group {
		e := &mi.Status.Group[i]
		if e.State != StateUnreachable {
			continue
		}
		if other := a.podFor(e); other != nil && other != mi && a.inGroupConsistently(other) {
			names = append(names, other.Pod)
		}
	}
	return strings.Join(names, ", ")
}

// recoveringMembers lists members in distributed recovery, by their report or the group's.
func (a *analysis) recoveringMembers() []*memberInfo {
	var out []*memberInfo
	for _, mi := range a.ordered {
		if mi.selfState() == StateRecovering || (a.vouched(mi) && mi.entry.State == StateRecovering) {
			out = append(out, mi)
		}
	}
	return out
}

// needsRepair reports whether a queried member is outside the group and neither recovering nor cloning.
func (a *analysis) needsRepair(mi *memberInfo) bool {
	if mi.cert != queried || mi.PodDeleting || mi.selfState() == StateRecovering || mi.cloning() {
		return false
	}
	return !a.inGroupConsistently(mi)
}

// repairBlocker returns why a member that needs repair must wait, or nil.
func (a *analysis) repairBlocker(mi *memberInfo, recovering []*memberInfo) *Finding {
	block := func(r Reason, format string, args ...any) *Finding {
		return &Finding{Reason: r, Member: mi.Pod, Message: fmt.Sprintf(format, args...)}
	}
	switch {
	case mi.entry != nil:
		return block(ReasonMemberExpelPending,
			"the group still lists %s as %s while it reports %s; waiting for the group to expel the old incarnation",
			mi.Pod, mi.entry.State, mi.selfState())
	case a.cutOff(mi):
		return block(ReasonMemberIsolated, "%s cannot reach the group (it sees %s UNREACHABLE); Group Replication "+
			"is not restarted on it until the network heals", mi.Pod, a.unreachableFrom(mi))
	case !mi.gtidOK:
		return block(ReasonGTIDUnreadable, "cannot parse the GTID sets of %s", mi.Pod)
	case !a.groupGTIDOK:
		return block(ReasonMembersUnreachable,
			"no ONLINE member of the group can be queried to compare transactions with %s", mi.Pod)
	}
	for _, r := range recovering {
		if r.recoveryError() == "" && !a.keptOut(mi) {
			return block(ReasonMemberRecovering, "%s waits until %s finishes recovery: members join one at a time",
				mi.Pod, r.Pod)
		}
	}
	return nil
}

// keptOut reports whether the member has errant transactions and may not be wiped: it only gets a
// finding, so it need not wait for anything.
func (a *analysis) keptOut(mi *memberInfo) bool {
	errant, _, ok := a.gtidGap(mi)
	return ok && !errant.IsEmpty() && !mi.pristine && !a.obs.Requests.AllowErrantWipe
}

// repairAction chooses join, rejoin or clone for a member outside the group, or explains why none
// is safe.
func (a *analysis) repairAction(mi *memberInfo) (Action, *Finding) {
	errant, missing, _ := a.gtidGap(mi)
	stop := mi.grRunning()
	if !errant.IsEmpty() && mi.pristine {
		return a.pristineAction(mi, errant, stop)
	}
	if !errant.IsEmpty() {
		return a.errantAction(mi, errant, stop)
	}
	why, needClone := a.cloneNeeded(missing)
	if needClone {
		donor := a.cloneDonor(mi)
		if donor == nil {
			return Action{}, &Finding{Reason: ReasonRecoveryBlocked, Member: mi.Pod, Message: fmt.Sprintf(
				"%s must be cloned (%s) but no ONLINE member of its release series can donate", mi.Pod, why)}
		}
		return Action{Kind: ActionCloneMember, Member: mi.Pod, Donor: donor.Pod, StopFirst: stop,
			Reason: ReasonMemberCloning, Message: fmt.Sprintf("clone %s from %s: %s", mi.Pod, donor.Pod, why)}, nil
	}
	if stop {
		return Action{Kind: ActionRejoinMember, Member: mi.Pod, StopFirst: true, Reason: ReasonMemberRejoining,
			Message: fmt.Sprintf("rejoin %s (%s, %d transactions behind)", mi.Pod, rejoinCause(mi),
				missing.Count())}, nil
	}
	return Action{Kind: ActionJoinMember, Member: mi.Pod, Reason: ReasonMemberJoining,
		Message: fmt.Sprintf("join %s with incremental recovery (%d transactions behind)", mi.Pod,
			missing.Count())}, nil
}

func rejoinCause(mi *memberInfo) string {
	if mi.selfState() == StateError {
		return "Group Replication is in ERROR"
	}
	return "isolated in a view without quorum"
}

// pristineAction clones a member that never took part in a group but has transactions of its own
// (the official image loads its time zone tables with the binary log on): they are no user's writes,
// but joining with them would make them errant, and only a clone replaces them with consistent data.
func (a *analysis) pristineAction(mi *memberInfo, own GTIDSet, stop bool) (Action, *Finding) {
	donor := a.cloneDonor(mi)
	if donor == nil {
		return Action{}, &Finding{Reason: ReasonRecoveryBlocked, Member: mi.Pod, Message: fmt.Sprintf(
			"%s never joined and has %d transactions of its own from its initialisation; it must be cloned, but "+
				"no ONLINE member of its release series can donate", mi.Pod, own.Count())}
	}
	return Action{Kind: ActionCloneMember, Member: mi.Pod, Donor: donor.Pod, StopFirst: stop,
		Reason: ReasonMemberCloning, Message: fmt.Sprintf("clone %s from %s: it never joined and its %d own "+
			"transactions (%s) come from its initialisation, not from the group", mi.Pod, donor.Pod, own.Count(),
			abbreviate(own.String()))}, nil
}

// errantAction keeps a member with errant transactions out, unless the user allowed wiping it.
func (a *analysis) errantAction(mi *memberInfo, errant GTIDSet, stop bool) (Action, *Finding) {
	if !a.obs.Requests.AllowErrantWipe {
		return Action{}, &Finding{Reason: ReasonErrantTransactions, Member: mi.Pod, Message: fmt.Sprintf(
			"%s has %d transactions the group lacks (%s); it is kept out. Set mysql.orca.dev/allow-errant-wipe=true "+
				"to replace its data with a clone", mi.Pod, errant.Count(), abbreviate(errant.String()))}
	}
	donor := a.cloneDonor(mi)
	if donor == nil {
		return Action{}, &Finding{Reason: ReasonRecoveryBlocked, Member: mi.Pod, Message: fmt.Sprintf(
			"%s has errant transactions and may be wiped, but no ONLINE member of its release series can donate",
			mi.Pod)}
	}
	return Action{Kind: ActionCloneMember, Member: mi.Pod, Donor: donor.Pod, StopFirst: stop, Errant: errant.String(),
		Reason: ReasonErrantTransactions, Message: fmt.Sprintf(
			"clone %s from %s, discarding its %d errant transactions %s as allowed by "+
				"mysql.orca.dev/allow-errant-wipe: they were acknowledged to clients and are lost", mi.Pod, donor.Pod,
			errant.Count(), abbreviate(errant.String()))}, nil
}

// cloneNeeded decides between incremental recovery and clone: clone when the gap exceeds the clone
// threshold, or when every queryable donor purged some missing transaction from its binary log.
func (a *analysis) cloneNeeded(missing GTIDSet) (string, bool) {
	n := missing.Count()
	if n == 0 {
		return "", false
	}
	if t := a.obs.CloneThreshold; t > 0 && n > t {
		return fmt.Sprintf("%d transactions behind, more than the clone threshold %d", n, t), true
	}
	for _, d := range a.donors() {
		if d.purgedOK && d.purged.Intersect(missing).IsEmpty() {
			return "", false
		}
	}
	return "no donor still has every missing transaction in its binary log", true
}

// donors lists the group's queried ONLINE members that can serve recovery or clone, secondaries
// first so the primary keeps its resources, then by ordinal.
func (a *analysis) donors() []*memberInfo {
	var sec, prim []*memberInfo
	for _, mi := range a.ordered {
		if !a.inGroupConsistently(mi) || mi.selfState() != StateOnline || mi.PodDeleting {
			continue
		}
		if mi == a.primary {
			prim = append(prim, mi)
		} else {
			sec = append(sec, mi)
		}
	}
	return append(sec, prim...)
}

// cloneDonor picks a donor of the recipient's exact version, else of its release series (the
// clone plugin requires the same series).
func (a *analysis) cloneDonor(recipient *memberInfo) *memberInfo {
	ds := a.donors()
	for _, d := range ds {
		if d.Status.Version == recipient.Status.Version {
			return d
		}
	}
	for _, d := range ds {
		if sameSeries(d.Status.Version, recipient.Status.Version) {
			return d
		}
	}
	return nil
}

package topology

import (
	"fmt"
	"slices"
	"strings"
)

// planBootstrap starts the very first group on the lowest ordinal once every running pod can be
// queried (a pod that runs but cannot be queried might hold data) and the initDB restore, if any, completed.
func (a *analysis) planBootstrap(p *plan) {
	if a.obs.RestorePending {
		p.note(ReasonWaitingForRestore, "", "waiting for the spec.initDB restore into the first member before "+
			"bootstrapping the group")
		return
	}
	if u := a.unqueried(); len(u) > 0 {
		p.note(ReasonPodsPending, "", "waiting to query every running pod before bootstrapping: %s",
			strings.Join(u, ", "))
		return
	}
	var first *memberInfo
	for _, mi := range a.ordered {
		if mi.desired {
			first = mi
			break
		}
	}
	if first == nil || first.Ordinal != 0 || !first.actionable() {
		p.note(ReasonPodsPending, "", "waiting for the pod with ordinal 0 to run")
		return
	}
	p.act(Action{Kind: ActionBootstrapGroup, Member: first.Pod, StopFirst: first.grRunning(),
		Reason: ReasonBootstrapping, Message: fmt.Sprintf("bootstrap a new group on %s", first.Pod)})
}

// expected lists the members that may have been in the last group: the desired ordinals that
// exist plus any other existing pod. Missing desired ordinals count as unreachable.
func (a *analysis) expected() (reachable []*memberInfo, missing []string, total int) {
	seen := map[int]bool{}
	for _, mi := range a.ordered {
		if !mi.desired && !mi.PodExists {
			continue
		}
		seen[mi.Ordinal] = true
		total++
		if mi.actionable() {
			reachable = append(reachable, mi)
		} else {
			missing = append(missing, mi.Pod)
		}
	}
	for o := range a.obs.Instances {
		if !seen[o] {
			total++
			missing = append(missing, fmt.Sprintf("ordinal %d", o))
		}
	}
	return reachable, missing, total
}

// planOutage reboots the group after a complete outage from the member with the most advanced
// GTID set, but only when every member that may have been in the last group can be queried (as MySQL
// Shell's rebootClusterFromCompleteOutage requires): members that stop cleanly leave the group one by
// one, so the last to go committed alone what the others lack, and a majority is no proof that nothing
// acknowledged is missing. Rebooting without it would hand that member's GTIDs to new transactions.
func (a *analysis) planOutage(p *plan) {
	reachable, missing, total := a.expected()
	if name := a.obs.Requests.ForceRebootFrom; name != "" {
		a.planForcedReboot(p, name)
		return
	}
	if len(missing) > 0 {
		p.note(ReasonRecoveryBlocked, "", "complete outage: %d of %d members can be queried (%s), every "+
			"member is needed (the last to leave the group may hold transactions the others lack); missing %s. "+
			"To reboot without them set mysql.orca.dev/force-reboot-from=<pod>; transactions only the "+
			"missing members have would be lost", len(reachable), total,
			strings.Join(podNames(reachable), ", "), strings.Join(missing, ", "))
		return
	}
	best, f := mostAdvanced(reachable)
	if f != nil {
		p.findings = append(p.findings, *f)
		return
	}
	p.act(Action{Kind: ActionRebootGroup, Member: best.Pod, StopFirst: best.grRunning(), Reason: ReasonRebooting,
		Message: fmt.Sprintf("reboot the group from %s, the most advanced of %d reachable members (%d transactions)",
			best.Pod, len(reachable), best.advanced.Count())})
}

// mostAdvanced returns the member whose GTID set contains every other's, preferring desired members
// and low ordinals on ties. Diverging sets are a finding: someone must choose.
func mostAdvanced(ms []*memberInfo) (*memberInfo, *Finding) {
	var all GTIDSet
	for _, mi := range ms {
		if !mi.gtidOK {
			return nil, &Finding{Reason: ReasonGTIDUnreadable, Member: mi.Pod,
				Message: fmt.Sprintf("cannot parse the GTID sets of %s; the most advanced member is unknown", mi.Pod)}
		}
		all = all.Union(mi.advanced)
	}
	var best *memberInfo
	for _, mi := range ms {
		if all.SubsetOf(mi.advanced) && (best == nil || (mi.desired && !best.desired)) {
			best = mi
		}
	}
	if best != nil {
		return best, nil
	}
	return nil, &Finding{Reason: ReasonRecoveryBlocked, Message: "complete outage and the members' GTID sets " +
		"diverge: " + divergence(ms, all) + ". Choose the member to keep with mysql.orca.dev/force-reboot-from=<pod>"}
}

// divergence describes what each member lacks, for the message.
func divergence(ms []*memberInfo, all GTIDSet) string {
	parts := make([]string, 0, len(ms))
	for _, mi := range ms {
		parts = append(parts, fmt.Sprintf("%s lacks %d", mi.Pod, all.Subtract(mi.advanced).Count()))
	}
	return strings.Join(parts, ", ")
}

// planForcedReboot reboots from the member the user named. It still refuses while a pod runs but
// cannot be queried: that member could be serving a group of its own (the last one left in it).
func (a *analysis) planForcedReboot(p *plan, name string) {
	mi := a.byPod[name]
	switch {
	case mi == nil:
		p.note(ReasonRecoveryBlocked, name, "force-reboot-from names %s, which is not a member of this cluster", name)
		return
	case !mi.actionable():
		p.note(ReasonRecoveryBlocked, name, "force-reboot-from names %s, which cannot be queried", name)
		return
	case a.anyUncertain():
		p.note(ReasonRecoveryBlocked, name, "refusing the forced reboot from %s: %s run but cannot be queried "+
			"and could hold a group of their own; stop them or restore connectivity", name,
			strings.Join(a.unqueried(), ", "))
		return
	}
	msg := fmt.Sprintf("reboot the group from %s as forced", name)
	if lost := a.lostByForcing(mi); lost > 0 {
		msg += fmt.Sprintf("; %d transactions other reachable members have will make them errant", lost)
	}
	p.act(Action{Kind: ActionRebootGroup, Member: name, StopFirst: mi.grRunning(), Reason: ReasonRebooting,
		Message: msg})
}

// lostByForcing counts transactions reachable members have that the chosen member lacks.
func (a *analysis) lostByForcing(chosen *memberInfo) int64 {
	var others GTIDSet
	for _, mi := range a.members {
		if mi.cert == queried && mi.gtidOK {
			others = others.Union(mi.advanced)
		}
	}
	return others.Subtract(chosen.advanced).Count()
}

// planNoQuorum restores quorum from the ONLINE members of the largest partition when forced, and only
// when every member's state is known. Without a request it does so on its own only when nothing can be
// lost: every expected member answers, one partition remains and it holds every transaction.
func (a *analysis) planNoQuorum(p *plan) {
	if !a.obs.Requests.ForceQuorum {
		if a.planAutoQuorum(p) {
			return
		}
		p.note(ReasonQuorumLost, "", "no partition has a majority (%s)%s; Orca does not act. If the missing "+
			"members are gone for good, set mysql.orca.dev/force-quorum=true to continue with the reachable ones",
			a.partitionList(), a.mostAdvancedNote())
		return
	}
	if a.anyUncertain() {
		p.note(ReasonRecoveryBlocked, "", "refusing to force quorum: %s run but cannot be queried and could "+
			"hold a quorum of their own; stop them or restore connectivity", strings.Join(a.unqueried(), ", "))
		return
	}
	part, f := a.forcePartition()
	if f != nil {
		p.findings = append(p.findings, *f)
		return
	}
	leader := part[0]
	for _, mi := range part {
		if mi.Status.Role == RolePrimary {
			leader = mi
		}
	}
	p.act(Action{Kind: ActionForceQuorum, Member: leader.Pod, Members: podNames(part), Reason: ReasonForcingQuorum,
		Message: fmt.Sprintf("force quorum with %s as requested", strings.Join(podNames(part), ", "))})
}

// planAutoQuorum forces quorum without a request when every expected member can be queried (so no
// group with quorum can exist elsewhere), exactly one partition runs Group Replication and its members
// hold every transaction any member has: after a double crash the survivor is such a partition.
func (a *analysis) planAutoQuorum(p *plan) bool {
	reachable, missing, _ := a.expected()
	if len(missing) > 0 || a.anyUncertain() || len(a.partitionIDs()) != 1 {
		return false
	}
	part := a.partitionMembers(a.minorityViews[0])
	if part == nil {
		return false
	}
	var all, held GTIDSet
	for _, mi := range reachable {
		if !mi.gtidOK {
			return false
		}
		all = all.Union(mi.advanced)
	}
	for _, mi := range part {
		held = held.Union(mi.advanced)
	}
	if !all.SubsetOf(held) {
		return false
	}
	leader := part[0]
	for _, mi := range part {
		if mi.Status.Role == RolePrimary {
			leader = mi
		}
	}
	p.act(Action{Kind: ActionForceQuorum, Member: leader.Pod, Members: podNames(part), Reason: ReasonForcingQuorum,
		Message: fmt.Sprintf("force quorum with %s: every member answers, the others are out of any group and "+
			"%s hold every transaction (%d), so nothing can be lost", strings.Join(podNames(part), ", "),
			strings.Join(podNames(part), ", "), held.Count())})
	return true
}

// partitionIDs lists the distinct view ids of members ONLINE in a view without quorum.
func (a *analysis) partitionIDs() []string {
	var ids []string
	for _, v := range a.minorityViews {
		if !slices.Contains(ids, v.viewID) {
			ids = append(ids, v.viewID)
		}
	}
	return ids
}

// mostAdvancedNote names the most advanced queried member for a message, or says the sets diverge.
func (a *analysis) mostAdvancedNote() string {
	var queriedMembers []*memberInfo
	for _, mi := range a.ordered {
		if mi.cert == queried {
			queriedMembers = append(queriedMembers, mi)
		}
	}
	if len(queriedMembers) == 0 {
		return ""
	}
	best, f := mostAdvanced(queriedMembers)
	if f != nil {
		return "; the reachable members' GTID sets diverge"
	}
	return fmt.Sprintf("; the most advanced reachable member is %s (%d transactions)", best.Pod, best.advanced.Count())
}

// partitionList describes the minority views for messages.
func (a *analysis) partitionList() string {
	parts := make([]string, 0, len(a.minorityViews))
	for _, v := range a.minorityViews {
		var unreachable []string
		for _, e := range v.entries {
			if e.State == StateUnreachable {
				unreachable = append(unreachable, a.entryName(&e))
			}
		}
		if len(unreachable) == 0 {
			parts = append(parts, fmt.Sprintf("%s is in view %s without quorum", v.reporter.Pod, v.viewID))
			continue
		}
		parts = append(parts, fmt.Sprintf("%s sees %s UNREACHABLE", v.reporter.Pod, strings.Join(unreachable, ", ")))
	}
	for _, mi := range a.ordered {
		if mi.cert == down && mi.desired {
			parts = append(parts, fmt.Sprintf("%s is down (%s)", mi.Pod, downDetail(mi.Member)))
		}
	}
	return strings.Join(parts, "; ")
}

// entryName names a group entry by its pod when it maps to one, else by its host.
func (a *analysis) entryName(e *GroupMember) string {
	if mi := a.podFor(e); mi != nil {
		return mi.Pod
	}
	return e.Host
}

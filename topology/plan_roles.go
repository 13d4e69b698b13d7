package topology

import "fmt"

// planScaleDown makes members beyond the desired instances leave the group gracefully, highest
// ordinal first. The primary is never removed: it is switched away from first.
func (a *analysis) planScaleDown(p *plan) {
	for i := len(a.ordered) - 1; i >= 0; i-- {
		mi := a.ordered[i]
		leaving := mi.listedAlive() || mi.grRunningOutsideGroup()
		if mi.desired || !leaving {
			continue
		}
		if !mi.actionable() {
			p.note(ReasonScalingDown, mi.Pod, "cannot remove %s gracefully: it cannot be queried; waiting", mi.Pod)
			continue
		}
		if mi == a.primary {
			a.switchAwayFrom(p, mi, ReasonScalingDown, "before removing it")
			continue
		}
		if !a.keepsQuorumWithout(mi) {
			p.note(ReasonScalingDown, mi.Pod, "%s cannot leave yet: the group would lose quorum, as it still "+
				"counts unreachable members", mi.Pod)
			continue
		}
		p.act(Action{Kind: ActionRemoveMember, Member: mi.Pod, Reason: ReasonScalingDown,
			Message: fmt.Sprintf("%s leaves the group before its pod is scaled away", mi.Pod)})
	}
}

// keepsQuorumWithout reports whether the group keeps a majority of reachable members once mi leaves
// gracefully: a leave shrinks the view, but the members it lists as UNREACHABLE stay in it (8.4 manual
// 20.7.8). Two of five unreachable plus one leaving would leave two of four.
func (a *analysis) keepsQuorumWithout(mi *memberInfo) bool {
	alive, size := 0, len(a.group.entries)
	for _, e := range a.group.entries {
		if e.State == StateOnline || e.State == StateRecovering {
			alive++
		}
	}
	if mi.listedAlive() {
		alive, size = alive-1, size-1
	}
	return 2*alive > size
}

// switchAwayFrom plans a switchover from the primary to the best eligible secondary.
func (a *analysis) switchAwayFrom(p *plan, prim *memberInfo, r Reason, why string) {
	target := a.bestSwitchoverTarget(func(*memberInfo) bool { return true })
	if target == nil {
		p.note(r, prim.Pod, "%s is the primary and no ONLINE secondary can take over %s", prim.Pod, why)
		return
	}
	p.act(Action{Kind: ActionSwitchover, Member: target.Pod, Reason: r,
		Message: fmt.Sprintf("switch the primary from %s to %s %s", prim.Pod, target.Pod, why)})
}

// bestSwitchoverTarget picks the lowest-ordinal eligible secondary accepted by keep.
func (a *analysis) bestSwitchoverTarget(keep func(*memberInfo) bool) *memberInfo {
	for _, mi := range a.ordered {
		if keep(mi) && a.primaryEligible(mi) == "" {
			return mi
		}
	}
	return nil
}

// primaryEligible returns why a member cannot become primary, or "" when it can. MySQL only
// accepts a new primary that runs the lowest version in the group (8.4 manual, 20.5.1.1 "Changing
// the Primary").
func (a *analysis) primaryEligible(mi *memberInfo) string {
	switch {
	case mi == a.primary:
		return mi.Pod + " is already the primary"
	case !mi.desired:
		return mi.Pod + " is beyond the desired instances"
	case !mi.actionable():
		return mi.Pod + " cannot be queried or is being deleted"
	case !a.inGroupConsistently(mi) || mi.entry.State != StateOnline || mi.selfState() != StateOnline:
		return mi.Pod + " is not an ONLINE secondary"
	}
	if low, ok := a.runsLowestVersion(mi); !ok {
		return fmt.Sprintf("%s runs %s but the group's lowest version is %s: MySQL refuses a newer primary",
			mi.Pod, mi.entry.Version, low)
	}
	if limit := a.obs.SwitchoverMaxQueue; limit >= 0 && mi.Status.ApplierQueue > limit {
		return fmt.Sprintf("%s is %d transactions behind (applier queue; at most %d allowed): as primary it would "+
			"refuse writes until it applied them; waiting for it to catch up", mi.Pod, mi.Status.ApplierQueue, limit)
	}
	return ""
}

// runsLowestVersion reports whether the member runs the lowest MEMBER_VERSION of the group. When a
// version does not parse, only identical version strings are accepted.
func (a *analysis) runsLowestVersion(mi *memberInfo) (string, bool) {
	low := mi.entry.Version
	for _, e := range a.group.entries {
		c, ok := compareVersions(e.Version, low)
		switch {
		case !ok && e.Version != mi.entry.Version:
			return e.Version, false
		case ok && c < 0:
			low = e.Version
		}
	}
	return low, low == mi.entry.Version
}

// planSwitchover honours a switchover request.
func (a *analysis) planSwitchover(p *plan) {
	name := a.obs.Requests.SwitchoverTo
	if name == "" {
		return
	}
	switch mi := a.byPod[name]; mi {
	case nil:
		p.note(ReasonSwitchoverBlocked, name, "switchover target %s is not a member of this cluster", name)
	case a.primary:
		p.note(ReasonSwitchoverDone, name, "%s is the primary; the switchover request can be removed", name)
	default:
		if why := a.primaryEligible(mi); why != "" {
			p.note(ReasonSwitchoverBlocked, name, "cannot switch over to %s: %s", name, why)
			return
		}
		p.act(Action{Kind: ActionSwitchover, Member: name, Reason: ReasonSwitchoverInProgress,
			Message: fmt.Sprintf("switch the primary from %s to %s as requested", a.primaryName(), name)})
	}
}

func (a *analysis) primaryName() string {
	if a.primary != nil {
		return a.primary.Pod
	}
	return a.primaryEntry.Host
}

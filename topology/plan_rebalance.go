package topology

import (
	"fmt"
	"strings"
)

// planRebalance honours a rebalance request: it moves colocated members apart, one at a time, with the
// safety rules of a rolling upgrade. Only when every desired member is ONLINE and queryable, only a
// secondary (highest ordinal first), only while the group keeps quorum without it, each member at most once
// per request; when only the primary is left to move, a switchover to a member that is not colocated comes
// first. Once nothing is colocated, or nothing more can be moved, the request is done (ReasonRebalanceDone).
func (a *analysis) planRebalance(p *plan) {
	if !a.obs.Requests.Rebalance {
		return
	}
	// Healthy first: a moved member's pod may not be placed yet, and only a complete picture says "done".
	if why := a.rebalanceBlocker(); why != "" {
		p.note(ReasonRebalancing, "", "rebalance waits: %s", why)
		return
	}
	s := a.spread()
	if !s.Colocated() {
		p.note(ReasonRebalanceDone, "", "rebalance done: %s", s.Describe())
		return
	}
	if mi := a.moveCandidate(s); mi != nil {
		if !a.keepsQuorumWithout(mi) {
			p.note(ReasonRebalancing, mi.Pod, "rebalance waits: the group would lose quorum without %s", mi.Pod)
			return
		}
		p.act(Action{Kind: ActionMoveMember, Member: mi.Pod, StopFirst: true, Reason: ReasonRebalancing,
			Message: fmt.Sprintf("move secondary %s off node %s: %s; it leaves the group and its pod is recreated "+
				"for the scheduler to place", mi.Pod, mi.Node, s.Describe())})
		return
	}
	if prim := a.primary; prim != nil && s.Crowded(prim.Pod) && prim.MovedFrom == "" {
		a.switchAwayToSpread(p, s)
		return
	}
	p.note(ReasonRebalanceDone, "", "rebalance done: nothing more can be moved (%s); %s", a.movedList(), s.Describe())
}

// rebalanceBlocker returns why no member may be moved now, or "".
func (a *analysis) rebalanceBlocker() string {
	if a.obs.Requests.RollingUpgrade {
		for _, mi := range a.ordered {
			if mi.desired && !mi.AtTarget {
				return "a rolling upgrade replaces the pods first"
			}
		}
	}
	return a.restartBlocker()
}

// moveCandidate is the highest-ordinal crowded secondary not moved yet in this request.
func (a *analysis) moveCandidate(s Spread) *memberInfo {
	for i := len(a.ordered) - 1; i >= 0; i-- {
		mi := a.ordered[i]
		if mi.desired && mi != a.primary && mi.MovedFrom == "" && s.Crowded(mi.Pod) {
			return mi
		}
	}
	return nil
}

// switchAwayToSpread makes a member that is not crowded the primary, so the old primary can be moved as a
// secondary on a later pass.
func (a *analysis) switchAwayToSpread(p *plan, s Spread) {
	target := a.bestSwitchoverTarget(func(mi *memberInfo) bool { return !s.Crowded(mi.Pod) })
	if target == nil {
		p.note(ReasonRebalanceDone, a.primary.Pod, "rebalance done: only the primary %s is left to move and no "+
			"member apart from it can take over as primary; %s", a.primary.Pod, s.Describe())
		return
	}
	p.act(Action{Kind: ActionSwitchover, Member: target.Pod, Reason: ReasonRebalancing,
		Message: fmt.Sprintf("switch the primary from %s to %s before moving %s: %s", a.primary.Pod, target.Pod,
			a.primary.Pod, s.Describe())})
}

// movedList names the members moved in this request and where they came from.
func (a *analysis) movedList() string {
	var moved []string
	for _, mi := range a.ordered {
		if mi.MovedFrom != "" {
			moved = append(moved, fmt.Sprintf("%s moved off %s, now on %s", mi.Pod, mi.MovedFrom, orNone(mi.Node)))
		}
	}
	if len(moved) == 0 {
		return "no member was moved"
	}
	return strings.Join(moved, ", ") + ": the scheduler found no better place; add nodes, or free room on them"
}

func orNone(s string) string {
	if s == "" {
		return "no node"
	}
	return s
}

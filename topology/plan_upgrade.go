package topology

import (
	"fmt"
	"strings"
)

// planUpgrade restarts members not at the target one at a time: secondaries first (highest ordinal
// first), each back ONLINE before the next, then the primary. Before the primary restarts, a
// switchover moves the primary role to an upgraded secondary when MySQL allows it; across versions
// it does not (a new primary must run the group's lowest version), so the primary simply leaves and
// the group elects one of the upgraded members.
func (a *analysis) planUpgrade(p *plan) {
	if !a.obs.Requests.RollingUpgrade {
		return
	}
	var outdated []*memberInfo
	for _, mi := range a.ordered {
		if mi.desired && !mi.AtTarget {
			outdated = append(outdated, mi)
		}
	}
	if len(outdated) == 0 {
		return
	}
	if why := a.restartBlocker(); why != "" {
		p.note(ReasonUpgradeInProgress, "", "rolling upgrade waits: %s", why)
		return
	}
	for i := len(outdated) - 1; i >= 0; i-- {
		if mi := outdated[i]; mi != a.primary {
			a.upgradeIfQuorumHolds(p, mi, "secondary")
			return
		}
	}
	a.planPrimaryUpgrade(p)
}

// restartBlocker returns why no member may leave the group for a restart now (the next upgrade step, a
// rebalance move), or "": every desired member must be ONLINE and queryable and no member still leaving.
func (a *analysis) restartBlocker() string {
	var notOnline []string
	for _, mi := range a.ordered {
		if !mi.desired {
			if mi.listedAlive() {
				return mi.Pod + " still has to leave the group (scale-down)"
			}
			continue
		}
		if !mi.actionable() || !a.inGroupConsistently(mi) || mi.entry.State != StateOnline ||
			mi.selfState() != StateOnline || mi.cloning() {
			notOnline = append(notOnline, mi.Pod)
		}
	}
	if n := a.count(func(mi *memberInfo) bool { return mi.desired }); n < a.obs.Instances {
		notOnline = append(notOnline, fmt.Sprintf("%d missing pods", a.obs.Instances-n))
	}
	if len(notOnline) > 0 {
		return "not ONLINE and queryable yet: " + strings.Join(notOnline, ", ")
	}
	return ""
}

// planPrimaryUpgrade is the last step: switch over if MySQL allows it, else restart the primary.
func (a *analysis) planPrimaryUpgrade(p *plan) {
	target := a.bestSwitchoverTarget(func(mi *memberInfo) bool { return mi.AtTarget })
	if target != nil {
		p.act(Action{Kind: ActionSwitchover, Member: target.Pod, Reason: ReasonUpgradeInProgress,
			Message: fmt.Sprintf("switch the primary to upgraded %s before restarting %s", target.Pod, a.primary.Pod)})
		return
	}
	a.upgradeIfQuorumHolds(p, a.primary, "primary")
}

// upgradeIfQuorumHolds restarts the member unless its leaving would cost the group its quorum.
func (a *analysis) upgradeIfQuorumHolds(p *plan, mi *memberInfo, role string) {
	if !a.keepsQuorumWithout(mi) {
		p.note(ReasonUpgradeInProgress, mi.Pod, "rolling upgrade waits: the group would lose quorum without %s",
			mi.Pod)
		return
	}
	act := upgradeAction(mi, role)
	if mi == a.primary {
		act.Message += "; the upgraded members run a newer version, which MySQL refuses as switchover target, " +
			"so the group elects the new primary when this one leaves"
	}
	p.act(act)
}

func upgradeAction(mi *memberInfo, role string) Action {
	return Action{Kind: ActionUpgradeMember, Member: mi.Pod, StopFirst: true, Reason: ReasonUpgradeInProgress,
		Message: fmt.Sprintf("restart %s %s at the target version and configuration", role, mi.Pod)}
}

package topology

import (
	"fmt"
	"strings"
)

// Adopting a cluster created by an Orca without TLS (docs/tls.md): its members serve certificates mysqld
// generated, which Orca cannot verify, so no SQL reaches them. Each is restarted by deleting its pod (mysqld
// leaves the group as it shuts down) and comes back with the certificate Orca issued for it: secondaries first,
// highest ordinal first, one at a time, each ONLINE again (as the first adopted member sees the group) before
// the next; the primary last, after a switchover to an adopted member.

// adopting reports whether a desired member started before Orca managed TLS still cannot be verified.
func (a *analysis) adopting() bool {
	return a.obs.Initialized &&
		a.count(func(mi *memberInfo) bool { return mi.desired && mi.PreTLS && mi.cert == unknown }) > 0
}

// planAdoptionUnseen plans while no group can be observed: an adopted member out of the group joins the group
// the unverified members still form; before any member is adopted, the first restart goes to the highest
// ordinal not labelled primary.
func (a *analysis) planAdoptionUnseen(p *plan) {
	if why := a.adoptionBlocker(); why != "" {
		p.note(ReasonUpgradeInProgress, "", "adopting members started before TLS waits: %s", why)
		return
	}
	for _, mi := range a.ordered {
		if mi.desired && mi.cert == queried {
			p.act(adoptedJoin(mi))
			return
		}
	}
	p.act(adoptAction(a.firstBlindAdoption(), "no member can be verified yet; the pods' role labels name the "+
		"primary"))
}

// firstBlindAdoption is the highest desired ordinal not labelled primary, else (one member) the highest desired.
func (a *analysis) firstBlindAdoption() *memberInfo {
	var fallback *memberInfo
	for i := len(a.ordered) - 1; i >= 0; i-- {
		mi := a.ordered[i]
		switch {
		case !mi.desired:
		case !mi.LabelledPrimary:
			return mi
		case fallback == nil:
			fallback = mi
		}
	}
	return fallback
}

// adoptedJoin starts Group Replication on an adopted member: the group's members cannot be queried, so its
// GTID set cannot be compared first; Group Replication itself refuses a joiner with transactions the group
// lacks, and the member was a secondary (read-only) when it restarted.
func adoptedJoin(mi *memberInfo) Action {
	kind := ActionJoinMember
	if mi.grRunning() {
		kind = ActionRejoinMember
	}
	return Action{Kind: kind, Member: mi.Pod, StopFirst: mi.grRunning(), Reason: ReasonUpgradeInProgress,
		Message: fmt.Sprintf("join %s, which serves Orca's certificate now, to the group the members started "+
			"before TLS still form", mi.Pod)}
}

// planAdoption plans while the group is seen through adopted members: the next unverified secondary restarts,
// or, when only the primary is left, the primary role moves to an adopted member first.
func (a *analysis) planAdoption(p *plan) {
	if why := a.adoptionBlocker(); why != "" {
		p.note(ReasonUpgradeInProgress, "", "adopting members started before TLS waits: %s", why)
		return
	}
	for i := len(a.ordered) - 1; i >= 0; i-- {
		mi := a.ordered[i]
		if !mi.desired || !mi.PreTLS || mi.cert != unknown || mi == a.primary {
			continue
		}
		if !a.keepsQuorumWithout(mi) {
			p.note(ReasonUpgradeInProgress, mi.Pod, "adopting %s waits: the group would lose quorum without it", mi.Pod)
			return
		}
		p.act(adoptAction(mi, "a secondary"))
		return
	}
	adopted := func(mi *memberInfo) bool { return !mi.PreTLS && mi.cert == queried }
	if target := a.bestSwitchoverTarget(adopted); target != nil {
		p.act(Action{Kind: ActionSwitchover, Member: target.Pod, Reason: ReasonUpgradeInProgress,
			Message: fmt.Sprintf("switch the primary to %s, which serves Orca's certificate, before restarting %s",
				target.Pod, a.primary.Pod)})
		return
	}
	if a.primary != nil && a.keepsQuorumWithout(a.primary) {
		p.act(adoptAction(a.primary, "the primary; no adopted member can take over"))
	}
}

func adoptAction(mi *memberInfo, why string) Action {
	return Action{Kind: ActionAdoptMember, Member: mi.Pod, Reason: ReasonUpgradeInProgress,
		Message: fmt.Sprintf("restart %s (%s), started before Orca managed TLS, so it serves the certificate Orca "+
			"issued for it", mi.Pod, why)}
}

// adoptionBlocker returns why no member may restart for the adoption now, or "": every desired pod runs and
// none is deleting; an unverified member answers (its certificate is what fails) and, when the group is
// seen, is listed ONLINE; an adopted member is ONLINE in the group (or, while none is seen, out of any group).
func (a *analysis) adoptionBlocker() string {
	var waiting []string
	for _, mi := range a.ordered {
		if !mi.desired {
			if mi.listedAlive() || mi.PodRunning {
				return mi.Pod + " still has to leave (scale-down)"
			}
			continue
		}
		if !a.readyForAdoption(mi) {
			waiting = append(waiting, mi.Pod)
		}
	}
	if n := a.count(func(mi *memberInfo) bool { return mi.desired }); n < a.obs.Instances {
		waiting = append(waiting, fmt.Sprintf("%d missing pods", a.obs.Instances-n))
	}
	if len(waiting) > 0 {
		return "not settled yet: " + strings.Join(waiting, ", ")
	}
	return ""
}

func (a *analysis) readyForAdoption(mi *memberInfo) bool {
	switch {
	case !mi.PodRunning || mi.PodDeleting:
		return false
	case mi.cert == unknown:
		return mi.PreTLS && mi.Untrusted && (a.group == nil || (mi.entry != nil && mi.entry.State == StateOnline))
	case mi.cloning():
		return false
	case a.group == nil:
		return !mi.grRunning() || mi.selfState() == StateError
	}
	return a.inGroupConsistently(mi) && mi.entry.State == StateOnline && mi.selfState() == StateOnline
}

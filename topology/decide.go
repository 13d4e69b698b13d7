package topology

import (
	"fmt"
	"strings"
)

// plan accumulates the candidate actions and findings of one pass.
type plan struct {
	actions  []Action
	findings []Finding
}

func (p *plan) act(a Action) { p.actions = append(p.actions, a) }

func (p *plan) note(r Reason, member, format string, args ...any) {
	p.findings = append(p.findings, Finding{Reason: r, Member: member, Message: fmt.Sprintf(format, args...)})
}

// Decide classifies the observed cluster and plans what to do. It is pure: it never changes obs
// and returns the same decision for the same observation. Only Actions[0] is meant to run; the
// caller observes again afterwards.
func Decide(obs Observation) Decision {
	if err := validate(&obs); err != nil {
		return Decision{
			State:    ClusterUnknown,
			Findings: []Finding{{Reason: ReasonInvalidObservation, Message: err.Error()}},
			Reason:   ReasonInvalidObservation,
			Message:  err.Error(),
		}
	}
	a := analyze(&obs)
	d := Decision{State: a.clusterState()}
	if a.group != nil {
		d.ViewID = a.group.viewID
	}
	if a.primary != nil && a.vouched(a.primary) {
		d.Primary = a.primary.Pod
	}
	for _, mi := range a.members {
		d.Members = append(d.Members, a.assess(mi))
	}
	var p plan
	a.planFor(d.State, &p)
	d.Actions, d.Findings = p.actions, p.findings
	d.Reason, d.Message = summarize(&d, a)
	return d
}

// planFor dispatches on the cluster state.
func (a *analysis) planFor(state ClusterState, p *plan) {
	if a.obs.Requests.RestoreHold && state != ClusterFinalizing {
		p.note(ReasonWaitingForRestore, "", "an in-place restore fenced the cluster: its Job takes the members out "+
			"of the group and replaces the first member's data; Orca acts again once it hands the member back")
		return
	}
	if (state == ClusterUnknown || state == ClusterOfflineUncertain) && a.adopting() {
		a.planAdoptionUnseen(p)
		return
	}
	switch state {
	case ClusterFinalizing:
		p.note(ReasonDeleting, "", "the cluster is being deleted")
	case ClusterSplitBrain:
		p.note(ReasonSplitBrain, "", "disjoint partitions each report quorum (%s); Orca will not act", a.viewList())
	case ClusterPending:
		p.note(ReasonPodsPending, "", "no member is running yet")
	case ClusterUnknown:
		p.note(ReasonMembersUnreachable, "", "no member can be queried: %s", strings.Join(a.unqueried(), ", "))
	case ClusterInitializing:
		a.planBootstrap(p)
	case ClusterOffline, ClusterOfflineUncertain:
		a.planOutage(p)
	case ClusterNoQuorum, ClusterNoQuorumUncertain:
		a.planNoQuorum(p)
	default:
		a.planOnline(p)
	}
}

// planOnline plans for a group with quorum: repair members, scale down, switch over, upgrade, rebalance,
// in that order of urgency.
func (a *analysis) planOnline(p *plan) {
	if a.group == nil {
		p.note(ReasonViewsDisagree, "", "members report different views (%s); waiting for the group to settle",
			a.viewList())
		return
	}
	if a.primaryEntry == nil {
		p.note(ReasonNoPrimary, "", "the group has quorum but no primary: an election is in progress")
		if a.obs.Requests.SwitchoverTo != "" {
			p.note(ReasonSwitchoverInProgress, a.obs.Requests.SwitchoverTo, "waiting for the election to finish")
		}
		return
	}
	if prim := a.primary; prim != nil && prim.cert == queried && !a.inGroupConsistently(prim) {
		p.note(ReasonViewsDisagree, prim.Pod, "the group lists %s as primary but it reports %s in view %q; waiting "+
			"for the group to settle", prim.Pod, prim.selfState(), prim.Status.ViewID)
		return
	}
	a.planResets(p)
	a.planRepairs(p)
	a.planScaleDown(p)
	a.planRotation(p)
	a.planSwitchover(p)
	if a.adopting() {
		a.planAdoption(p) // before any other restart: nothing else can be verified on these members
		return
	}
	a.planUpgrade(p)
	a.planRebalance(p)
}

// viewList names the quorum views for messages.
func (a *analysis) viewList() string {
	parts := make([]string, 0, len(a.quorumViews))
	for _, v := range a.quorumViews {
		parts = append(parts, fmt.Sprintf("%s seen by %s", v.viewID, v.reporter.Pod))
	}
	return strings.Join(parts, "; ")
}

// unqueried lists the members that could not be queried, with the reason.
func (a *analysis) unqueried() []string {
	var out []string
	for _, mi := range a.ordered {
		if mi.cert == unknown {
			out = append(out, fmt.Sprintf("%s (%s)", mi.Pod, mi.Unreachable))
		}
	}
	return out
}

// summarize picks the decision's reason and message.
func summarize(d *Decision, a *analysis) (Reason, string) {
	if len(d.Actions) > 0 {
		return d.Actions[0].Reason, d.Actions[0].Message
	}
	if len(d.Findings) > 0 {
		return d.Findings[0].Reason, d.Findings[0].Message
	}
	switch d.State {
	case ClusterOnline:
		return ReasonOnline, fmt.Sprintf("all %d members are ONLINE; primary %s", a.obs.Instances, d.Primary)
	case ClusterOnlineUncertain:
		return ReasonMembersUnreachable, "some members cannot be queried: " + strings.Join(a.unqueried(), ", ")
	}
	return ReasonPartiallyOnline, "the group has quorum but not every desired member is ONLINE"
}

package topology

import (
	"fmt"
	"strings"
)

// planResets clears what keeps a member from serving or makes a later START unsafe, the primary first
// (its offline_mode refuses every write): offline_mode once the member is ONLINE in the group (MySQL
// Shell clears it on rejoin; nothing in Group Replication does), and one-shot variables an operator
// stopped between setting and clearing them (left ON, group_replication_bootstrap_group makes the next
// START bootstrap a second group; a set group_replication_force_members makes every START fail).
func (a *analysis) planResets(p *plan) {
	ordered := a.ordered
	if a.primary != nil {
		ordered = append([]*memberInfo{a.primary}, ordered...)
	}
	seen := map[*memberInfo]bool{}
	for _, mi := range ordered {
		if seen[mi] || !mi.actionable() {
			continue
		}
		seen[mi] = true
		vars := a.leftovers(mi)
		if len(vars) == 0 {
			continue
		}
		p.act(Action{Kind: ActionResetVariables, Member: mi.Pod, Variables: vars, Reason: ReasonResettingVariables,
			Message: fmt.Sprintf("reset %s on %s", strings.Join(vars, ", "), mi.Pod)})
	}
}

// leftovers lists the variables to reset on a queried member.
func (a *analysis) leftovers(mi *memberInfo) []string {
	var vars []string
	if mi.Status.OfflineMode && a.inGroupConsistently(mi) && mi.selfState() == StateOnline {
		vars = append(vars, VarOfflineMode)
	}
	if mi.Status.BootstrapGroup {
		vars = append(vars, VarBootstrapGroup)
	}
	if mi.Status.ForceMembers != "" {
		vars = append(vars, VarForceMembers)
	}
	return vars
}

// planRotation sets changed passwords on the primary; the statements replicate to every member.
func (a *analysis) planRotation(p *plan) {
	if !a.obs.Requests.RotateCredentials {
		return
	}
	prim := a.primary
	if prim == nil || !prim.actionable() || !a.inGroupConsistently(prim) {
		p.note(ReasonRotatingCredentials, "", "a credentials Secret changed; waiting for a queryable primary to "+
			"set the new passwords")
		return
	}
	p.act(Action{Kind: ActionRotateCredentials, Member: prim.Pod, Reason: ReasonRotatingCredentials,
		Message: fmt.Sprintf("set the changed passwords on the primary %s; the change replicates to every member",
			prim.Pod)})
}

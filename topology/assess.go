package topology

import "fmt"

// assess gives the verdict on one member.
func (a *analysis) assess(mi *memberInfo) Assessment {
	as := Assessment{Pod: mi.Pod, Desired: mi.desired, Reachable: mi.cert == queried}
	if mi.entry != nil {
		as.State, as.InGroup = mi.entry.State, mi.listedAlive() && a.agrees(mi)
		if as.InGroup {
			as.Role = mi.entry.Role
		}
	}
	if mi.cert != queried {
		a.assessUnqueried(mi, &as)
		return as
	}
	as.State = mi.selfState()
	if !as.InGroup && mi.grRunningOutsideGroup() {
		as.Role = mi.Status.Role
	}
	a.assessQueried(mi, &as)
	if !mi.desired && !as.InGroup && !mi.grRunningOutsideGroup() {
		as.Health, as.Detail = HealthRemoved, "beyond the desired instances and out of the group: its pod can go"
	}
	return as
}

// grRunningOutsideGroup is true for a member that still runs Group Replication in a view of its own.
func (m *memberInfo) grRunningOutsideGroup() bool {
	s := m.selfState()
	return s == StateOnline || s == StateRecovering
}

func (a *analysis) assessUnqueried(mi *memberInfo, as *Assessment) {
	// A pod that does not run, or a mysqld that restarted and cannot be queried yet, is not what the group's
	// (possibly stale) entry describes: the entry only vouches for a member Orca has no reason to doubt.
	stale := mi.cert == down || mi.Restarted
	if stale {
		as.InGroup, as.Role = false, RoleNone
	}
	switch {
	case mi.cert == down && !mi.desired:
		as.Health, as.Detail = HealthRemoved, "beyond the desired instances and down"
	case mi.cert == down:
		as.Health, as.Detail = HealthDown, downDetail(mi.Member)
		if mi.listedAlive() {
			as.Detail += "; the group still lists it until it expels it"
		}
	case mi.listedAlive() && stale:
		as.Health, as.Detail = HealthUnreachable, "restarted since it was last seen ONLINE and cannot be queried "+
			"yet (the group's entry is its old incarnation): "+mi.Unreachable
	case mi.listedAlive() && mi.entry.State == StateOnline:
		as.Health = HealthOnline
		as.Detail = "ONLINE as the group sees it; the operator cannot query it: " + mi.Unreachable
	case mi.listedAlive():
		as.Health, as.Detail = HealthRecovering, "RECOVERING as the group sees it; the operator cannot query it"
	default:
		as.Health, as.Detail = HealthUnreachable, "pod runs but cannot be queried: "+mi.Unreachable
	}
}

func downDetail(m *Member) string {
	switch {
	case !m.PodExists:
		return "pod does not exist"
	case m.PodDeleting:
		return "pod is being deleted"
	}
	return "pod is not running"
}

func (a *analysis) assessQueried(mi *memberInfo, as *Assessment) {
	s := mi.selfState()
	switch {
	case mi.cloning():
		as.Health, as.Detail = HealthCloning, "a clone is replacing its data; it is left alone until it ends"
		return
	case s == StateRecovering:
		as.Health, as.Detail = HealthRecovering, "in distributed recovery"
	case s == StateOnline && a.group != nil && a.inGroupConsistently(mi):
		as.Health, as.Detail = HealthOnline, "ONLINE in the group"
	case s == StateOnline && a.group != nil:
		as.Health, as.Detail = HealthIsolated, "ONLINE in a view of its own, outside the group with quorum"
	case s == StateOnline:
		as.Health, as.Detail = HealthNoQuorum, "ONLINE in a view without quorum"
	case s == StateError:
		as.Health, as.Detail = HealthError, "Group Replication is in ERROR"
	default:
		as.Health, as.Detail = HealthOffline, "Group Replication is stopped"
	}
	if as.Health == HealthOnline || as.Health == HealthRecovering {
		return
	}
	if errant, missing, ok := a.gtidGap(mi); ok {
		as.Missing = missing.Count()
		if !errant.IsEmpty() && !mi.pristine {
			as.Health, as.Errant = HealthErrant, errant.String()
			as.Detail = fmt.Sprintf("has %d transactions the group lacks (%s)", errant.Count(),
				abbreviate(errant.String()))
		}
	}
}

// gtidGap compares an out-of-group member with the group, each side with what it executed or
// received (Group Replication's own join check): errant transactions only it has and missing
// transactions only the group has. ok is false when either side is unknown.
func (a *analysis) gtidGap(mi *memberInfo) (errant, missing GTIDSet, ok bool) {
	if a.group == nil || !a.groupGTIDOK || !mi.gtidOK {
		return GTIDSet{}, GTIDSet{}, false
	}
	return mi.advanced.Subtract(a.groupGTID), a.groupGTID.Subtract(mi.advanced), true
}

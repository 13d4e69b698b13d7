package topology

// clusterState classifies the cluster. The order of the cases is the order of precedence.
func (a *analysis) clusterState() ClusterState {
	switch {
	case a.obs.Deleting:
		return ClusterFinalizing
	case a.splitBrain:
		return ClusterSplitBrain
	case a.viewsDisagree:
		return ClusterOnlineUncertain
	case a.group != nil:
		return a.onlineState()
	case a.anyInGroup():
		return pick(a.anyUncertain(), ClusterNoQuorumUncertain, ClusterNoQuorum)
	case a.count(func(mi *memberInfo) bool { return mi.cert == queried }) == 0:
		return a.nothingQueriedState()
	case a.isFresh():
		return ClusterInitializing
	}
	return pick(a.anyUncertain(), ClusterOfflineUncertain, ClusterOffline)
}

// onlineState tells ONLINE from ONLINE_PARTIAL and ONLINE_UNCERTAIN once a group has quorum.
func (a *analysis) onlineState() ClusterState {
	if a.anyUncertain() {
		return ClusterOnlineUncertain
	}
	for _, mi := range a.members {
		if mi.desired && !a.onlineInGroup(mi) {
			return ClusterOnlinePartial
		}
	}
	if a.count(func(mi *memberInfo) bool { return mi.desired }) < a.obs.Instances {
		return ClusterOnlinePartial
	}
	return ClusterOnline
}

// onlineInGroup reports whether the group lists the member ONLINE and the member does not contradict it.
func (a *analysis) onlineInGroup(mi *memberInfo) bool {
	return a.vouched(mi) && mi.entry.State == StateOnline
}

// vouched reports whether the group's entry for the member counts: the group lists it ONLINE or
// RECOVERING and it either says the same or cannot be queried, its pod runs and it did not restart
// since Orca last saw it ONLINE.
func (a *analysis) vouched(mi *memberInfo) bool {
	if !mi.listedAlive() || mi.cert == down || (mi.cert == unknown && mi.Restarted) {
		return false
	}
	return a.agrees(mi)
}

// agrees reports whether a member the group lists is consistent with its own report, or could
// not be queried (then the group's word stands).
func (a *analysis) agrees(mi *memberInfo) bool {
	return mi.cert != queried || a.inGroupConsistently(mi)
}

// nothingQueriedState is the state when no member answered.
func (a *analysis) nothingQueriedState() ClusterState {
	switch {
	case a.anyUncertain():
		return ClusterUnknown
	case !a.obs.Initialized:
		return ClusterPending
	}
	return ClusterOffline
}

// anyInGroup reports whether some queried member runs Group Replication in a view.
func (a *analysis) anyInGroup() bool {
	return a.count(func(mi *memberInfo) bool { return mi.grRunningOutsideGroup() }) > 0
}

// isFresh reports whether no group was ever bootstrapped: the status says so and no queried member
// has a transaction of any group (its own transactions, left by the image's initialisation, do not
// count; nor do the backup's, recorded as purged by an initDB restore into the first member).
func (a *analysis) isFresh() bool {
	if a.obs.Initialized {
		return false
	}
	for _, mi := range a.members {
		if mi.cert == queried && !a.neverInGroup(mi) {
			return false
		}
	}
	return true
}

// neverInGroup reports whether a queried member's transactions show it never took part in a group: all its
// own, or, for the first member of a cluster restoring spec.initDB, its own besides purged ones (the backup's
// GTID set the restore recorded). A group's transactions, a view change first, are in its binary log: a first
// member that was bootstrapped once (its status write lost) has them unpurged and is rebooted, not bootstrapped.
func (a *analysis) neverInGroup(mi *memberInfo) bool {
	switch {
	case !mi.gtidOK:
		return false
	case mi.pristine:
		return true
	}
	return a.obs.InitDBRestore && mi.Ordinal == 0 && mi.purgedOK &&
		mi.advanced.Subtract(mi.purged).OnlyFrom(mi.Status.ServerUUID)
}

func (a *analysis) count(pred func(*memberInfo) bool) int {
	n := 0
	for _, mi := range a.members {
		if pred(mi) {
			n++
		}
	}
	return n
}

func pick[T any](cond bool, yes, no T) T {
	if cond {
		return yes
	}
	return no
}

package topology

import (
	"slices"
	"strings"
	"testing"
)

// healthy3 is a 3-member group with primary mysql-0 and 100 transactions everywhere.
func healthy3() *builder {
	return newCluster(3, 3).group("1:3", 0, 0, 1, 2).gtid(g("1-100"), 0, 1, 2)
}

func TestDecideHealthy(t *testing.T) {
	runRows(t, []row{{
		name:  "all ONLINE",
		obs:   healthy3().obs(),
		state: ClusterOnline, first: "none", reason: ReasonOnline,
		check: func(t *testing.T, d Decision) {
			if d.Primary != "mysql-0" || d.ViewID != "1:3" || len(d.Findings) != 0 {
				t.Errorf("want primary mysql-0, view 1:3, no findings")
			}
			for _, a := range d.Members {
				if a.Health != HealthOnline || !a.InGroup || !a.Reachable {
					t.Errorf("%s: %+v", a.Pod, a)
				}
			}
		},
	}})
}

func TestDecidePrimaryCrash(t *testing.T) {
	runRows(t, []row{
		{
			name: "primary crashed and was expelled; mysql-1 elected",
			obs:  newCluster(3, 3).down(0).group("1:4", 1, 1, 2).gtid(g("1-100"), 1, 2).obs(),
			// mysql-0's pod is not running: nothing to do until it comes back.
			state: ClusterOnlinePartial, first: "none", reason: ReasonPartiallyOnline,
			check: func(t *testing.T, d Decision) {
				if d.Primary != "mysql-1" || assessment(d, "mysql-0").Health != HealthDown {
					t.Errorf("want primary mysql-1 and mysql-0 Down")
				}
			},
		},
		{
			name: "primary crashed, not expelled yet: quorum but no primary; wait",
			obs: newCluster(3, 3).down(0).view("1:3", []GroupMember{
				entry(0, StateUnreachable, RolePrimary), entry(1, StateOnline, RoleSecondary),
				entry(2, StateOnline, RoleSecondary)}, 1, 2).gtid(g("1-100"), 1, 2).obs(),
			state: ClusterOnlinePartial, first: "none", reason: ReasonNoPrimary,
		},
		{
			name: "old primary back OFFLINE behind the group: it rejoins as a secondary",
			obs: newCluster(3, 3).group("1:4", 1, 1, 2).gtid(g("1-120"), 1, 2).
				gtid(g("1-100"), 0).obs(),
			state: ClusterOnlinePartial, first: "JoinMember mysql-0", reason: ReasonMemberJoining,
			check: func(t *testing.T, d Decision) {
				if assessment(d, "mysql-0").Missing != 20 {
					t.Errorf("mysql-0 should miss 20 transactions: %+v", assessment(d, "mysql-0"))
				}
			},
		},
		{
			name: "old primary restarted before the group expelled it: wait for the expel",
			obs: newCluster(3, 3).view("1:3", []GroupMember{
				entry(0, StateUnreachable, RolePrimary), entry(1, StateOnline, RoleSecondary),
				entry(2, StateOnline, RoleSecondary)}, 1, 2).gtid(g("1-100"), 0, 1, 2).obs(),
			state: ClusterOnlinePartial, first: "none", reason: ReasonNoPrimary,
		},
		{
			name: "restarted secondary still listed ONLINE by the group: wait for the expel",
			obs: newCluster(3, 3).group("1:3", 0, 0, 1, 2).state(StateOffline, 2).
				gtid(g("1-100"), 0, 1, 2).obs(),
			state: ClusterOnlinePartial, first: "none", reason: ReasonMemberExpelPending,
		},
	})
}

func TestDecideIsolatedSecondary(t *testing.T) {
	isolated := func() *builder {
		return newCluster(3, 3).group("1:4", 0, 0, 1).
			view("1:3", []GroupMember{entry(0, StateUnreachable, RolePrimary),
				entry(1, StateUnreachable, RoleSecondary), entry(2, StateOnline, RoleSecondary)}, 2).
			gtid(g("1-100"), 0, 1).gtid(g("1-90"), 2)
	}
	runRows(t, []row{
		{
			// START GROUP_REPLICATION on it would block until the join times out: wait for the network.
			name:  "an isolated secondary that sees the group UNREACHABLE is left alone until the network heals",
			obs:   isolated().obs(),
			state: ClusterOnlinePartial, first: "none", reason: ReasonMemberIsolated,
			check: func(t *testing.T, d Decision) {
				if a := assessment(d, "mysql-2"); a.Health != HealthIsolated || a.InGroup {
					t.Errorf("mysql-2 should be Isolated: %+v", a)
				}
				if !strings.Contains(d.Message, "mysql-0, mysql-1") {
					t.Errorf("the message should name whom it cannot reach: %q", d.Message)
				}
			},
		},
		{
			name: "once it can reach the group again it learns it was expelled (ERROR): only it is rejoined",
			obs: newCluster(3, 3).group("1:4", 0, 0, 1).state(StateError, 2).
				gtid(g("1-100"), 0, 1).gtid(g("1-90"), 2).obs(),
			state: ClusterOnlinePartial, first: "RejoinMember mysql-2", reason: ReasonMemberRejoining,
			check: func(t *testing.T, d Decision) {
				if len(d.Actions) != 1 || !d.Actions[0].StopFirst {
					t.Errorf("want exactly one rejoin with StopFirst, got %d actions", len(d.Actions))
				}
			},
		},
		{
			name: "isolated secondary the group still lists as UNREACHABLE: wait for the expel",
			obs: newCluster(3, 3).
				view("1:3", []GroupMember{entry(0, StateOnline, RolePrimary), entry(1, StateOnline, RoleSecondary),
					entry(2, StateUnreachable, RoleSecondary)}, 0, 1).
				view("1:3", []GroupMember{entry(0, StateUnreachable, RolePrimary),
					entry(1, StateUnreachable, RoleSecondary), entry(2, StateOnline, RoleSecondary)}, 2).
				gtid(g("1-100"), 0, 1, 2).obs(),
			state: ClusterOnlinePartial, first: "none", reason: ReasonMemberExpelPending,
		},
		{
			name: "isolated secondary the operator cannot query either: uncertain, no action",
			obs: newCluster(3, 3).group("1:4", 0, 0, 1).
				view("1:4", []GroupMember{entry(0, StateOnline, RolePrimary), entry(1, StateOnline, RoleSecondary),
					entry(2, StateUnreachable, RoleSecondary)}, 0, 1).
				unreachable(2).gtid(g("1-100"), 0, 1).obs(),
			state: ClusterOnlineUncertain, first: "none", reason: ReasonMembersUnreachable,
		},
		{
			name: "uncertain about one member, certain about another: the certain one is still repaired",
			obs: newCluster(3, 3).group("1:4", 0, 0).unreachable(1).gtid(g("1-100"), 0).
				gtid(g("1-90"), 2).obs(),
			state: ClusterOnlineUncertain, first: "JoinMember mysql-2", reason: ReasonMemberJoining,
			check: func(t *testing.T, d Decision) {
				if !hasFinding(d, ReasonMembersUnreachable, "mysql-1") || len(d.Actions) != 1 {
					t.Errorf("mysql-1 should be reported and left alone")
				}
			},
		},
		{
			name: "a secondary ONLINE in the group but unqueryable still counts as ONLINE",
			obs:  healthy3().unreachable(2).obs(),
			// The group vouches for it (manual: the group's view takes precedence); no action targets it.
			state: ClusterOnline, first: "none", reason: ReasonOnline,
			check: func(t *testing.T, d Decision) {
				if a := assessment(d, "mysql-2"); a.Health != HealthOnline || a.Reachable {
					t.Errorf("mysql-2: %+v", a)
				}
			},
		},
	})
}

func TestDecideErrorAndErrant(t *testing.T) {
	runRows(t, []row{
		{
			name:  "member in ERROR rejoins",
			obs:   healthy3().state(StateError, 2).gtid(g("1-95"), 2).group("1:4", 0, 0, 1).obs(),
			state: ClusterOnlinePartial, first: "RejoinMember mysql-2", reason: ReasonMemberRejoining,
			check: func(t *testing.T, d Decision) {
				if !d.Actions[0].StopFirst || assessment(d, "mysql-2").Health != HealthError {
					t.Errorf("want StopFirst and Health Error")
				}
			},
		},
		{
			name: "member in ERROR whose missing transactions every donor purged is cloned",
			obs: healthy3().state(StateError, 2).gtid(g("1-50"), 2).group("1:4", 0, 0, 1).
				purged(g("1-80"), 0, 1).obs(),
			state: ClusterOnlinePartial, first: "CloneMember mysql-2", reason: ReasonMemberCloning,
			check: func(t *testing.T, d Decision) {
				a := d.Actions[0]
				if a.Donor != "mysql-1" || !a.StopFirst {
					t.Errorf("want donor mysql-1 (a secondary) and StopFirst: %+v", a)
				}
			},
		},
		{
			name: "one donor still has the binlogs: incremental",
			obs: healthy3().state(StateOffline, 2).gtid(g("1-50"), 2).group("1:4", 0, 0, 1).
				purged(g("1-80"), 1).obs(),
			state: ClusterOnlinePartial, first: "JoinMember mysql-2", reason: ReasonMemberJoining,
		},
		{
			name: "gap above the clone threshold is cloned",
			obs: healthy3().state(StateOffline, 2).gtid(g("1-50"), 2).group("1:4", 0, 0, 1).
				with(func(o *Observation) { o.CloneThreshold = 10 }).obs(),
			state: ClusterOnlinePartial, first: "CloneMember mysql-2", reason: ReasonMemberCloning,
		},
		{
			name: "errant member is kept out and reported",
			obs: healthy3().state(StateOffline, 2).gtid(g("1-100")+","+xUUID+":1-2", 2).
				group("1:4", 0, 0, 1).obs(),
			state: ClusterOnlinePartial, first: "none", reason: ReasonErrantTransactions,
			check: func(t *testing.T, d Decision) {
				a := assessment(d, "mysql-2")
				if a.Health != HealthErrant || a.Errant != xUUID+":1-2" {
					t.Errorf("mysql-2: %+v", a)
				}
				if !hasFinding(d, ReasonErrantTransactions, "mysql-2") {
					t.Errorf("missing finding")
				}
			},
		},
		{
			name: "errant member is cloned over when allowed",
			obs: healthy3().state(StateError, 2).gtid(g("1-100")+","+xUUID+":1-2", 2).
				group("1:4", 0, 0, 1).req(func(r *Requests) { r.AllowErrantWipe = true }).obs(),
			state: ClusterOnlinePartial, first: "CloneMember mysql-2", reason: ReasonErrantTransactions,
			check: func(t *testing.T, d Decision) {
				if d.Actions[0].Donor != "mysql-1" || !d.Actions[0].StopFirst {
					t.Errorf("%+v", d.Actions[0])
				}
			},
		},
		{
			name: "clone donor must share the release series",
			obs: healthy3().state(StateOffline, 2).gtid(g("1-50"), 2).group("1:4", 0, 0, 1).
				purged(g("1-80"), 0, 1).version("9.0.1", 2).obs(),
			state: ClusterOnlinePartial, first: "none", reason: ReasonRecoveryBlocked,
		},
		{
			name:  "a member whose pod is being deleted is not rejoined",
			obs:   healthy3().state(StateError, 2).gtid(g("1-95"), 2).group("1:4", 0, 0, 1).deleting(2).obs(),
			state: ClusterOnlinePartial, first: "none", reason: ReasonPartiallyOnline,
		},
		{
			name:  "unparseable GTID set blocks only that member",
			obs:   healthy3().state(StateOffline, 2).gtid("garbage", 2).group("1:4", 0, 0, 1).obs(),
			state: ClusterOnlinePartial, first: "none", reason: ReasonGTIDUnreadable,
		},
	})
}

func TestDecideRecoveringNeverRestarted(t *testing.T) {
	recovering := func() *builder {
		return newCluster(3, 3).view("1:5", []GroupMember{entry(0, StateOnline, RolePrimary),
			entry(1, StateRecovering, RoleSecondary)}, 0, 1).gtid(g("1-100"), 0).gtid(g("1-40"), 1)
	}
	runRows(t, []row{
		{
			name:  "a RECOVERING member is left alone and the next joiner waits",
			obs:   recovering().gtid(g("1-10"), 2).obs(),
			state: ClusterOnlinePartial, first: "none", reason: ReasonMemberRecovering,
			check: func(t *testing.T, d Decision) {
				if !hasFinding(d, ReasonMemberRecovering, "mysql-2") || assessment(d, "mysql-1").Health != HealthRecovering {
					t.Errorf("mysql-2 should wait for mysql-1")
				}
			},
		},
		{
			name: "RECOVERING for a long time with a purged gap is still not restarted",
			obs: recovering().purged(g("1-90"), 0).
				with(func(o *Observation) { o.CloneThreshold = 1; o.Instances = 2; o.Members = o.Members[:2] }).obs(),
			state: ClusterOnlinePartial, first: "none", reason: ReasonMemberRecovering,
		},
		{
			name: "RECOVERING in a view without quorum: no quorum, no action, even when forced",
			obs: newCluster(3, 3).down(0, 2).view("1:5", []GroupMember{entry(0, StateUnreachable, RolePrimary),
				entry(1, StateRecovering, RoleSecondary), entry(2, StateUnreachable, RoleSecondary)}, 1).
				req(func(r *Requests) { r.ForceQuorum = true }).obs(),
			state: ClusterNoQuorum, first: "none", reason: ReasonRecoveryBlocked,
		},
	})
}

func TestDecideOutage(t *testing.T) {
	allOff := func() *builder {
		return newCluster(3, 3).gtid(g("1-100"), 0).gtid(g("1-120"), 1).gtid(g("1-110"), 2)
	}
	runRows(t, []row{
		{
			name:  "all down then back: reboot from the most advanced",
			obs:   allOff().obs(),
			state: ClusterOffline, first: "RebootGroup mysql-1", reason: ReasonRebooting,
			check: func(t *testing.T, d Decision) {
				if len(d.Actions) != 1 {
					t.Errorf("want one reboot")
				}
			},
		},
		{
			// mysql-1, the most advanced, may have left the group last and committed alone: a reboot from
			// mysql-2 would lose its transactions and give their GTIDs to new ones (MySQL Shell refuses too).
			name:  "majority back (2 of 3), the third pod is down: blocked, every member is needed",
			obs:   allOff().down(1).obs(),
			state: ClusterOffline, first: "none", reason: ReasonRecoveryBlocked,
			check: findingSays("2 of 3", "missing mysql-1", "force-reboot-from"),
		},
		{
			name:  "majority back, the third cannot be queried: blocked (it may still serve a group of one)",
			obs:   allOff().unreachable(1).obs(),
			state: ClusterOfflineUncertain, first: "none", reason: ReasonRecoveryBlocked,
		},
		{
			name: "forced reboot with a majority refused while the third runs but cannot be queried",
			obs: allOff().unreachable(1).
				req(func(r *Requests) { r.ForceRebootFrom = "mysql-2" }).obs(),
			state: ClusterOfflineUncertain, first: "none", reason: ReasonRecoveryBlocked,
		},
		{
			name: "forced reboot with a majority while the third pod is down",
			obs: allOff().down(1).
				req(func(r *Requests) { r.ForceRebootFrom = "mysql-2" }).obs(),
			state: ClusterOffline, first: "RebootGroup mysql-2", reason: ReasonRebooting,
		},
		{
			name:  "fewer than a majority back: blocked, naming who is missing and the annotation",
			obs:   allOff().down(1, 2).obs(),
			state: ClusterOffline, first: "none", reason: ReasonRecoveryBlocked,
			check: findingSays("mysql-1", "mysql-2", "force-reboot-from"),
		},
		{
			name: "forced reboot from the named member without a majority",
			obs: allOff().down(1, 2).
				req(func(r *Requests) { r.ForceRebootFrom = "mysql-0" }).obs(),
			state: ClusterOffline, first: "RebootGroup mysql-0", reason: ReasonRebooting,
		},
		{
			name: "forced reboot refused while a missing member runs but cannot be queried",
			obs: allOff().down(1).unreachable(2).
				req(func(r *Requests) { r.ForceRebootFrom = "mysql-0" }).obs(),
			state: ClusterOfflineUncertain, first: "none", reason: ReasonRecoveryBlocked,
		},
		{
			name:  "forced reboot from a member that is not the most advanced warns about errant members",
			obs:   allOff().req(func(r *Requests) { r.ForceRebootFrom = "mysql-0" }).obs(),
			state: ClusterOffline, first: "RebootGroup mysql-0", reason: ReasonRebooting,
			check: func(t *testing.T, d Decision) {
				if !strings.Contains(d.Actions[0].Message, "20 transactions") {
					t.Errorf("message should count the 20 transactions mysql-1 has: %q", d.Actions[0].Message)
				}
			},
		},
		{
			name:  "diverging GTID sets: blocked",
			obs:   allOff().gtid(g("1-100")+","+xUUID+":1", 0).obs(),
			state: ClusterOffline, first: "none", reason: ReasonRecoveryBlocked,
		},
		{
			name:  "members left in ERROR: reboot stops the chosen one first",
			obs:   allOff().state(StateError, 0, 1, 2).obs(),
			state: ClusterOffline, first: "RebootGroup mysql-1", reason: ReasonRebooting,
			check: func(t *testing.T, d Decision) {
				if !d.Actions[0].StopFirst {
					t.Errorf("StopFirst should be set")
				}
			},
		},
		{
			name:  "received but unapplied transactions count",
			obs:   allOff().received(g("1-130"), 0).obs(),
			state: ClusterOffline, first: "RebootGroup mysql-0", reason: ReasonRebooting,
		},
		{
			name:  "equal sets prefer the lowest ordinal",
			obs:   allOff().gtid(g("1-120"), 0, 1, 2).obs(),
			state: ClusterOffline, first: "RebootGroup mysql-0", reason: ReasonRebooting,
		},
		{
			name:  "no pod running after an outage",
			obs:   allOff().down(0, 1, 2).obs(),
			state: ClusterOffline, first: "none", reason: ReasonRecoveryBlocked,
		},
		{
			name:  "unparseable GTID set blocks the reboot",
			obs:   allOff().gtid("nonsense", 2).obs(),
			state: ClusterOffline, first: "none", reason: ReasonGTIDUnreadable,
		},
	})
}

func TestDecideNoQuorum(t *testing.T) {
	lost := func() *builder {
		return newCluster(3, 3).view("1:3", []GroupMember{entry(0, StateOnline, RolePrimary),
			entry(1, StateUnreachable, RoleSecondary), entry(2, StateUnreachable, RoleSecondary)}, 0).
			gtid(g("1-100"), 0)
	}
	runRows(t, []row{
		{
			name:  "2 of 3 down: NO_QUORUM, no action",
			obs:   lost().down(1, 2).obs(),
			state: ClusterNoQuorum, first: "none", reason: ReasonQuorumLost,
			check: func(t *testing.T, d Decision) {
				if !strings.Contains(d.Message, "force-quorum") || assessment(d, "mysql-0").Health != HealthNoQuorum {
					t.Errorf("message should name the annotation: %q", d.Message)
				}
			},
		},
		{
			name:  "forced: force quorum from the reachable member",
			obs:   lost().down(1, 2).req(func(r *Requests) { r.ForceQuorum = true }).obs(),
			state: ClusterNoQuorum, first: "ForceQuorum mysql-0", reason: ReasonForcingQuorum,
			check: func(t *testing.T, d Decision) {
				if !slices.Equal(d.Actions[0].Members, []string{"mysql-0"}) {
					t.Errorf("members %v", d.Actions[0].Members)
				}
			},
		},
		{
			// A double crash: the survivor holds every transaction and nobody else runs Group Replication, so
			// no group with quorum can exist and forcing loses nothing.
			name:  "the others came back OFFLINE with less: quorum is forced on the survivor without a request",
			obs:   lost().gtid(g("1-90"), 1, 2).obs(),
			state: ClusterNoQuorum, first: "ForceQuorum mysql-0", reason: ReasonForcingQuorum,
		},
		{
			name:  "the survivor received what it has not applied yet: still the most advanced",
			obs:   lost().gtid(g("1-90"), 0).received(g("91-100"), 0).gtid(g("1-100"), 1, 2).obs(),
			state: ClusterNoQuorum, first: "ForceQuorum mysql-0", reason: ReasonForcingQuorum,
		},
		{
			name:  "a returning member has transactions the survivor lacks: wait for a human",
			obs:   lost().gtid(g("1-100"), 1).gtid(g("1-101"), 2).obs(),
			state: ClusterNoQuorum, first: "none", reason: ReasonQuorumLost,
			check: func(t *testing.T, d Decision) {
				if !strings.Contains(d.Message, "most advanced reachable member is mysql-2") {
					t.Errorf("the message should name the most advanced member: %q", d.Message)
				}
			},
		},
		{
			name:  "one returned, one still down: wait (the down one could hold the newest transactions)",
			obs:   lost().gtid(g("1-90"), 1).down(2).obs(),
			state: ClusterNoQuorum, first: "none", reason: ReasonQuorumLost,
			check: func(t *testing.T, d Decision) {
				if strings.Contains(d.Message, "()") || !strings.Contains(d.Message, "mysql-2 is down") {
					t.Errorf("the message should name the down member: %q", d.Message)
				}
			},
		},
		{
			name: "two partitions of one: no automatic force (the network may heal on its own)",
			obs: lost().view("1:3", []GroupMember{entry(0, StateUnreachable, RolePrimary),
				entry(1, StateOnline, RoleSecondary), entry(2, StateUnreachable, RoleSecondary)}, 1).
				view("1:3b", []GroupMember{entry(0, StateUnreachable, RolePrimary),
					entry(1, StateUnreachable, RoleSecondary), entry(2, StateOnline, RoleSecondary)}, 2).
				gtid(g("1-100"), 1, 2).obs(),
			state: ClusterNoQuorum, first: "none", reason: ReasonQuorumLost,
		},
		{
			name:  "forced while a missing member runs unqueryable: refused",
			obs:   lost().down(1).unreachable(2).req(func(r *Requests) { r.ForceQuorum = true }).obs(),
			state: ClusterNoQuorumUncertain, first: "none", reason: ReasonRecoveryBlocked,
		},
		{
			name: "5 members, 2 in a partition, 3 down: force quorum with both",
			obs: newCluster(5, 5).down(2, 3, 4).view("1:9", []GroupMember{entry(0, StateOnline, RoleSecondary),
				entry(1, StateOnline, RolePrimary), entry(2, StateUnreachable, RoleSecondary),
				entry(3, StateUnreachable, RoleSecondary), entry(4, StateUnreachable, RoleSecondary)}, 0, 1).
				gtid(g("1-9"), 0, 1).req(func(r *Requests) { r.ForceQuorum = true }).obs(),
			state: ClusterNoQuorum, first: "ForceQuorum mysql-1", reason: ReasonForcingQuorum,
			check: func(t *testing.T, d Decision) {
				if !slices.Equal(d.Actions[0].Members, []string{"mysql-0", "mysql-1"}) {
					t.Errorf("members %v", d.Actions[0].Members)
				}
			},
		},
	})
}

func TestDecideSplitViews(t *testing.T) {
	runRows(t, []row{
		{
			name: "two disjoint partitions each claim quorum: split brain, hands off",
			obs: newCluster(4, 4).
				view("1:7", []GroupMember{entry(0, StateOnline, RolePrimary), entry(1, StateOnline, RoleSecondary)}, 0, 1).
				view("2:1", []GroupMember{entry(2, StateOnline, RolePrimary), entry(3, StateOnline, RoleSecondary)}, 2, 3).
				obs(),
			state: ClusterSplitBrain, first: "none", reason: ReasonSplitBrain,
		},
		{
			name: "members report different overlapping views: wait for the group to settle",
			obs: healthy3().view("1:4", []GroupMember{entry(0, StateOnline, RolePrimary),
				entry(1, StateOnline, RoleSecondary)}, 0, 1).obs(),
			state: ClusterOnlineUncertain, first: "none", reason: ReasonViewsDisagree,
		},
	})
}

// findingSays checks that the first finding's message names every want.
func findingSays(wants ...string) func(*testing.T, Decision) {
	return func(t *testing.T, d Decision) {
		msg := d.Findings[0].Message
		for _, want := range wants {
			if !strings.Contains(msg, want) {
				t.Errorf("message %q lacks %q", msg, want)
			}
		}
	}
}

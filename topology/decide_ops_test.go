package topology

import "testing"

func TestDecideScale(t *testing.T) {
	five := func() *builder {
		return newCluster(3, 5).group("1:5", 0, 0, 1, 2, 3, 4).gtid(g("1-100"), 0, 1, 2, 3, 4)
	}
	runRows(t, []row{
		{
			name:  "3 -> 5: new empty members join, incremental while binlogs are complete",
			obs:   healthy3().with(func(o *Observation) { o.Instances = 5 }).obs(),
			state: ClusterOnlinePartial, first: "none", reason: ReasonPartiallyOnline,
			// Pods 3 and 4 do not exist yet: nothing to do but wait for the StatefulSet.
		},
		{
			name: "3 -> 5: pods exist, the first new member joins",
			obs: newCluster(5, 5).group("1:3", 0, 0, 1, 2).gtid(g("1-100"), 0, 1, 2).
				obs(),
			state: ClusterOnlinePartial, first: "JoinMember mysql-3", reason: ReasonMemberJoining,
		},
		{
			name: "3 -> 5: binlogs purged, the new member is cloned from a secondary",
			obs: newCluster(5, 5).group("1:3", 0, 0, 1, 2).gtid(g("1-100"), 0, 1, 2).
				purged(g("1-50"), 0, 1, 2).obs(),
			state: ClusterOnlinePartial, first: "CloneMember mysql-3", reason: ReasonMemberCloning,
			check: func(t *testing.T, d Decision) {
				if d.Actions[0].Donor != "mysql-1" || d.Actions[0].StopFirst {
					t.Errorf("%+v", d.Actions[0])
				}
			},
		},
		{
			name: "3 -> 5: the second new member waits while the first recovers",
			obs: newCluster(5, 5).view("1:4", []GroupMember{entry(0, StateOnline, RolePrimary),
				entry(1, StateOnline, RoleSecondary), entry(2, StateOnline, RoleSecondary),
				entry(3, StateRecovering, RoleSecondary)}, 0, 1, 2, 3).gtid(g("1-100"), 0, 1, 2).obs(),
			state: ClusterOnlinePartial, first: "none", reason: ReasonMemberRecovering,
		},
		{
			name:  "5 -> 3: the highest ordinal leaves first",
			obs:   five().obs(),
			state: ClusterOnline, first: "RemoveMember mysql-4", reason: ReasonScalingDown,
			check: func(t *testing.T, d Decision) {
				if len(d.Actions) != 2 || d.Actions[1].Member != "mysql-3" {
					t.Errorf("want mysql-4 then mysql-3")
				}
			},
		},
		{
			name:  "5 -> 3 with the primary among the leaving: switch over first, never remove the primary",
			obs:   newCluster(3, 5).group("1:5", 4, 0, 1, 2, 3, 4).gtid(g("1-100"), 0, 1, 2, 3, 4).obs(),
			state: ClusterOnline, first: "Switchover mysql-0", reason: ReasonScalingDown,
			check: func(t *testing.T, d Decision) {
				for _, a := range d.Actions {
					if a.Kind == ActionRemoveMember && a.Member == "mysql-4" {
						t.Errorf("the primary must not be removed")
					}
				}
			},
		},
		{
			name: "5 -> 3 done: removed members are OFFLINE and can go",
			obs: newCluster(3, 5).group("1:7", 0, 0, 1, 2).gtid(g("1-100"), 0, 1, 2).
				gtid(g("1-90"), 3, 4).obs(),
			state: ClusterOnline, first: "none", reason: ReasonOnline,
			check: func(t *testing.T, d Decision) {
				if assessment(d, "mysql-3").Health != HealthRemoved || assessment(d, "mysql-4").Health != HealthRemoved {
					t.Errorf("mysql-3/4 should be Removed")
				}
			},
		},
		{
			name:  "5 -> 3 with a leaving member that cannot be queried: report, remove the other",
			obs:   five().unreachable(4).obs(),
			state: ClusterOnline, first: "RemoveMember mysql-3", reason: ReasonScalingDown,
			check: func(t *testing.T, d Decision) {
				if !hasFinding(d, ReasonScalingDown, "mysql-4") {
					t.Errorf("mysql-4 should be reported")
				}
			},
		},
		{
			name: "5 -> 3 while two desired members are down but still in the view: leaving would cost quorum",
			obs: newCluster(3, 5).down(1, 2).view("1:5", []GroupMember{entry(0, StateOnline, RolePrimary),
				entry(1, StateUnreachable, RoleSecondary), entry(2, StateUnreachable, RoleSecondary),
				entry(3, StateOnline, RoleSecondary), entry(4, StateOnline, RoleSecondary)}, 0, 3, 4).
				gtid(g("1-100"), 0, 3, 4).obs(),
			state: ClusterOnlinePartial, first: "none", reason: ReasonScalingDown,
			check: func(t *testing.T, d Decision) {
				if !hasFinding(d, ReasonScalingDown, "mysql-4") || !hasFinding(d, ReasonScalingDown, "mysql-3") {
					t.Errorf("both leaving members should be held back")
				}
			},
		},
		{
			name:  "repairs come before the scale-down",
			obs:   five().state(StateError, 1).group("1:6", 0, 0, 2, 3, 4).obs(),
			state: ClusterOnlinePartial, first: "RejoinMember mysql-1", reason: ReasonMemberRejoining,
		},
	})
}

func TestDecideSwitchover(t *testing.T) {
	to := func(p string) func(*Requests) { return func(r *Requests) { r.SwitchoverTo = p } }
	runRows(t, []row{
		{
			name:  "switch over to an ONLINE secondary",
			obs:   healthy3().req(to("mysql-2")).obs(),
			state: ClusterOnline, first: "Switchover mysql-2", reason: ReasonSwitchoverInProgress,
		},
		{
			name:  "target already primary: done, nothing to run",
			obs:   healthy3().req(to("mysql-0")).obs(),
			state: ClusterOnline, first: "none", reason: ReasonSwitchoverDone,
		},
		{
			name:  "unknown target",
			obs:   healthy3().req(to("mysql-9")).obs(),
			state: ClusterOnline, first: "none", reason: ReasonSwitchoverBlocked,
		},
		{
			name: "target RECOVERING",
			obs: newCluster(3, 3).view("1:4", []GroupMember{entry(0, StateOnline, RolePrimary),
				entry(1, StateOnline, RoleSecondary), entry(2, StateRecovering, RoleSecondary)}, 0, 1, 2).
				gtid(g("1-100"), 0, 1).req(to("mysql-2")).obs(),
			state: ClusterOnlinePartial, first: "none", reason: ReasonMemberRecovering,
			check: func(t *testing.T, d Decision) {
				if !hasFinding(d, ReasonSwitchoverBlocked, "mysql-2") {
					t.Errorf("switchover should be reported blocked")
				}
			},
		},
		{
			name:  "target runs a newer version than the primary: MySQL would refuse",
			obs:   healthy3().version("8.4.7", 2).req(to("mysql-2")).obs(),
			state: ClusterOnline, first: "none", reason: ReasonSwitchoverBlocked,
		},
		{
			name:  "target cannot be queried",
			obs:   healthy3().unreachable(2).req(to("mysql-2")).obs(),
			state: ClusterOnline, first: "none", reason: ReasonSwitchoverBlocked,
		},
		{
			name: "operator restarted mid-switchover, election in progress: wait",
			obs: newCluster(3, 3).view("1:3", []GroupMember{entry(0, StateOnline, RoleSecondary),
				entry(1, StateOnline, RoleSecondary), entry(2, StateOnline, RoleSecondary)}, 0, 1, 2).
				gtid(g("1-100"), 0, 1, 2).req(to("mysql-2")).obs(),
			state: ClusterOnline, first: "none", reason: ReasonNoPrimary,
			check: func(t *testing.T, d Decision) {
				if !hasFinding(d, ReasonSwitchoverInProgress, "mysql-2") {
					t.Errorf("want SwitchoverInProgress finding")
				}
			},
		},
		{
			name:  "operator restarted mid-switchover, old primary still primary: run it again",
			obs:   healthy3().req(to("mysql-2")).obs(),
			state: ClusterOnline, first: "Switchover mysql-2", reason: ReasonSwitchoverInProgress,
		},
		{
			name:  "operator restarted after the switchover: done",
			obs:   newCluster(3, 3).group("1:3", 2, 0, 1, 2).gtid(g("1-100"), 0, 1, 2).req(to("mysql-2")).obs(),
			state: ClusterOnline, first: "none", reason: ReasonSwitchoverDone,
		},
	})
}

// TestDecideRollingUpgrade walks a 3-member upgrade from 8.4.6 to 8.4.7 one observation at a time.
func TestDecideRollingUpgrade(t *testing.T) {
	up := func(r *Requests) { r.RollingUpgrade = true }
	upgraded := func(b *builder, ids ...int) *builder {
		for _, i := range ids {
			b.m(i).AtTarget = true
		}
		return b.version("8.4.7", ids...)
	}
	base := func() *builder { return healthy3().outdated(0, 1, 2).req(up) }
	runRows(t, []row{
		{
			name:  "step 1: the highest secondary restarts first",
			obs:   base().obs(),
			state: ClusterOnline, first: "UpgradeMember mysql-2", reason: ReasonUpgradeInProgress,
			check: func(t *testing.T, d Decision) {
				if len(d.Actions) != 1 || !d.Actions[0].StopFirst {
					t.Errorf("exactly one step at a time, leaving the group first")
				}
			},
		},
		{
			name:  "step 2: mysql-2 is back OFFLINE at 8.4.7: it rejoins, the upgrade waits",
			obs:   upgraded(base().state(StateOffline, 2).group("1:4", 0, 0, 1), 2).obs(),
			state: ClusterOnlinePartial, first: "JoinMember mysql-2", reason: ReasonMemberJoining,
			check: func(t *testing.T, d Decision) {
				if len(d.Actions) != 1 || !hasFinding(d, ReasonUpgradeInProgress, "") {
					t.Errorf("the next upgrade step must wait for mysql-2")
				}
			},
		},
		{
			name: "step 3: mysql-2 RECOVERING: nothing runs",
			obs: upgraded(base().view("1:5", []GroupMember{entry(0, StateOnline, RolePrimary),
				entry(1, StateOnline, RoleSecondary), entry(2, StateRecovering, RoleSecondary)}, 0, 1, 2), 2).obs(),
			state: ClusterOnlinePartial, first: "none", reason: ReasonMemberRecovering,
		},
		{
			name:  "step 4: mysql-2 ONLINE at 8.4.7: next secondary",
			obs:   upgraded(base(), 2).obs(),
			state: ClusterOnline, first: "UpgradeMember mysql-1", reason: ReasonUpgradeInProgress,
		},
		{
			name:  "step 5: secondaries done; MySQL refuses a newer primary, so the primary restarts",
			obs:   upgraded(base(), 1, 2).obs(),
			state: ClusterOnline, first: "UpgradeMember mysql-0", reason: ReasonUpgradeInProgress,
		},
		{
			name: "step 6: the group elected mysql-1; mysql-0 is back at 8.4.7 and rejoins",
			obs: upgraded(base().state(StateOffline, 0).group("1:8", 1, 1, 2), 0, 1, 2).
				gtid(g("1-100"), 0).obs(),
			state: ClusterOnlinePartial, first: "JoinMember mysql-0", reason: ReasonMemberJoining,
		},
		{
			name:  "step 7: everyone at target",
			obs:   upgraded(base().group("1:9", 1, 0, 1, 2), 0, 1, 2).obs(),
			state: ClusterOnline, first: "none", reason: ReasonOnline,
		},
		{
			name:  "configuration-only roll: same version, so the primary is switched away first",
			obs:   healthy3().outdated(0).req(up).obs(),
			state: ClusterOnline, first: "Switchover mysql-1", reason: ReasonUpgradeInProgress,
		},
		{
			name:  "a member not ONLINE blocks the next step",
			obs:   base().down(1).group("1:4", 0, 0, 2).obs(),
			state: ClusterOnlinePartial, first: "none", reason: ReasonUpgradeInProgress,
		},
		{
			name:  "a secondary with a clone in progress blocks the next step (found by the property test)",
			obs:   base().each([]int{2}, func(m *Member) { m.Status.Clone.State = CloneInProgress }).obs(),
			state: ClusterOnline, first: "none", reason: ReasonMemberCloning,
			check: func(t *testing.T, d Decision) {
				if !hasFinding(d, ReasonUpgradeInProgress, "") {
					t.Errorf("the upgrade must wait for the clone")
				}
			},
		},
		{
			name:  "no upgrade without the request",
			obs:   healthy3().outdated(0, 1, 2).obs(),
			state: ClusterOnline, first: "none", reason: ReasonOnline,
		},
	})
}

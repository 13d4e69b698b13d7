package topology

import (
	"strings"
	"testing"
)

// TestDecideRebalance walks requested rebalances: one crowded secondary at a time, the primary last and only
// after a switchover, never without the request, never while the group is not healthy or would lose quorum.
func TestDecideRebalance(t *testing.T) {
	rebalance := func(r *Requests) { r.Rebalance = true }
	zoned := func(o *Observation) { o.Zones = 3 }
	// crowded: mysql-0 (primary) and mysql-1 share n0 in zone a, mysql-2 is alone on n2.
	crowded := func() *builder {
		return healthy3().with(zoned).on("n0", "a", 0, 1).on("n2", "c", 2)
	}
	runRows(t, []row{
		{
			name:  "colocated without a request: nothing moves",
			obs:   crowded().obs(),
			state: ClusterOnline, first: "none", reason: ReasonOnline,
		},
		{
			name:  "the secondary sharing the primary's node moves, the primary stays",
			obs:   crowded().req(rebalance).obs(),
			state: ClusterOnline, first: "MoveMember mysql-1", reason: ReasonRebalancing,
			check: func(t *testing.T, d Decision) {
				a := d.Actions[0]
				if !a.StopFirst || len(d.Actions) != 1 {
					t.Errorf("one move, leaving the group first: %+v", d.Actions)
				}
				if !strings.Contains(a.Message, "mysql-0 and mysql-1 share node n0") {
					t.Errorf("message does not name the members and the node: %q", a.Message)
				}
			},
		},
		{
			name:  "two secondaries share a node: the highest ordinal moves first",
			obs:   healthy3().with(zoned).on("n0", "a", 0).on("n1", "b", 1, 2).req(rebalance).obs(),
			state: ClusterOnline, first: "MoveMember mysql-2", reason: ReasonRebalancing,
		},
		{
			name:  "a zone holding a majority on separate nodes: a secondary in it moves",
			obs:   healthy3().with(zoned).on("n0", "a", 0).on("n1", "a", 1).on("n2", "b", 2).req(rebalance).obs(),
			state: ClusterOnline, first: "MoveMember mysql-1", reason: ReasonRebalancing,
		},
		{
			name: "three members in two zones are as spread as they can be: done",
			obs: healthy3().with(func(o *Observation) { o.Zones = 2 }).on("n0", "a", 0).on("n1", "a", 1).
				on("n2", "b", 2).req(rebalance).obs(),
			state: ClusterOnline, first: "none", reason: ReasonRebalanceDone,
		},
		{
			name:  "nothing colocated: done at once",
			obs:   healthy3().with(zoned).on("n0", "a", 0).on("n1", "b", 1).on("n2", "c", 2).req(rebalance).obs(),
			state: ClusterOnline, first: "none", reason: ReasonRebalanceDone,
		},
		{
			name:  "the moved secondary landed next to the primary again: only the primary is left, switch over first",
			obs:   crowded().moved("n0", 1).req(rebalance).obs(),
			state: ClusterOnline, first: "Switchover mysql-2", reason: ReasonRebalancing,
			check: func(t *testing.T, d Decision) {
				for _, a := range d.Actions {
					if a.Kind == ActionMoveMember {
						t.Errorf("moved a member while the primary must switch first: %+v", a)
					}
				}
			},
		},
		{
			name: "after the switchover the old primary moves as a secondary",
			obs: newCluster(3, 3).group("1:4", 2, 0, 1, 2).gtid(g("1-100"), 0, 1, 2).with(zoned).
				on("n0", "a", 0, 1).on("n2", "c", 2).moved("n0", 1).req(rebalance).obs(),
			state: ClusterOnline, first: "MoveMember mysql-0", reason: ReasonRebalancing,
		},
		{
			name: "every crowded member was moved once: done, naming where they went",
			obs: newCluster(3, 3).group("1:5", 2, 0, 1, 2).gtid(g("1-100"), 0, 1, 2).with(zoned).
				on("n0", "a", 0, 1).on("n2", "c", 2).moved("n0", 0, 1).req(rebalance).obs(),
			state: ClusterOnline, first: "none", reason: ReasonRebalanceDone,
			check: func(t *testing.T, d Decision) {
				if !strings.Contains(d.Message, "mysql-1 moved off n0, now on n0") {
					t.Errorf("message %q", d.Message)
				}
			},
		},
		{
			name:  "everyone on one node, the secondaries moved once: no member apart can take over, done",
			obs:   healthy3().with(zoned).on("n0", "a", 0, 1, 2).moved("n0", 1, 2).req(rebalance).obs(),
			state: ClusterOnline, first: "none", reason: ReasonRebalanceDone,
		},
		{
			name: "a member RECOVERING: the rebalance waits",
			obs: newCluster(3, 3).view("1:4", []GroupMember{entry(0, StateOnline, RolePrimary),
				entry(1, StateOnline, RoleSecondary), entry(2, StateRecovering, RoleSecondary)}, 0, 1, 2).
				gtid(g("1-100"), 0, 1).with(zoned).on("n0", "a", 0, 1).on("n2", "c", 2).req(rebalance).obs(),
			state: ClusterOnlinePartial, first: "none", reason: ReasonMemberRecovering,
			check: func(t *testing.T, d Decision) {
				if !hasFinding(d, ReasonRebalancing, "") {
					t.Errorf("want a Rebalancing wait")
				}
			},
		},
		{
			name: "a member the group lists ONLINE reports itself RECOVERING: it is not moved (property test)",
			obs: crowded().each([]int{1}, func(m *Member) { m.Status.State = StateRecovering }).req(rebalance).
				obs(),
			state: ClusterOnline, first: "none", reason: ReasonMemberRecovering,
			check: func(t *testing.T, d Decision) {
				if !hasFinding(d, ReasonRebalancing, "") {
					t.Errorf("want a Rebalancing wait")
				}
			},
		},
		{
			name:  "the moved member's pod is Pending: the rebalance waits for it",
			obs:   crowded().absent(1).group("1:4", 0, 0, 2).req(rebalance).obs(),
			state: ClusterOnlinePartial, first: "none", reason: ReasonRebalancing,
		},
		{
			name: "members leaving in a scale-down are still listed UNREACHABLE: moving one would cost quorum",
			obs: newCluster(3, 5).down(3, 4).view("1:5", []GroupMember{entry(0, StateOnline, RolePrimary),
				entry(1, StateOnline, RoleSecondary), entry(2, StateOnline, RoleSecondary),
				entry(3, StateUnreachable, RoleSecondary), entry(4, StateUnreachable, RoleSecondary)}, 0, 1, 2).
				gtid(g("1-100"), 0, 1, 2).with(zoned).on("n0", "a", 0).on("n1", "b", 1, 2).req(rebalance).obs(),
			state: ClusterOnline, first: "none", reason: ReasonRebalancing,
			check: func(t *testing.T, d Decision) {
				if !hasFinding(d, ReasonRebalancing, "mysql-2") || !strings.Contains(d.Message, "lose quorum") {
					t.Errorf("want the quorum wait on mysql-2: %q", d.Message)
				}
			},
		},
		{
			name:  "a rolling upgrade comes first",
			obs:   crowded().outdated(2).req(func(r *Requests) { r.Rebalance, r.RollingUpgrade = true, true }).obs(),
			state: ClusterOnline, first: "UpgradeMember mysql-2", reason: ReasonUpgradeInProgress,
			check: func(t *testing.T, d Decision) {
				if !hasFinding(d, ReasonRebalancing, "") || len(d.Actions) != 1 {
					t.Errorf("the rebalance must wait for the upgrade")
				}
			},
		},
		{
			name:  "a member being deleted does not count and blocks the move",
			obs:   crowded().deleting(2).req(rebalance).obs(),
			state: ClusterOnline, first: "none", reason: ReasonRebalancing,
		},
	})
}

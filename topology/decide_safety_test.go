package topology

import (
	"strings"
	"testing"
)

// Issue 8's safety rules: what the group's stale entries may not vouch for, what is never touched, and
// the upkeep a real install needs (offline_mode, leftover one-shot variables, lag, credentials).

func (b *builder) status(f func(*MemberStatus), ids ...int) *builder {
	return b.each(ids, func(m *Member) { f(m.Status) })
}

func TestDecideStaleEntriesDoNotVouch(t *testing.T) {
	runRows(t, []row{
		{
			name:  "a primary whose pod no longer runs is Down, not ONLINE, even while the group still lists it",
			obs:   healthy3().down(0).obs(),
			state: ClusterOnlinePartial, first: "none", reason: ReasonPartiallyOnline,
			check: func(t *testing.T, d Decision) {
				if a := assessment(d, "mysql-0"); a.Health != HealthDown || a.Role != RoleNone || d.Primary != "" {
					t.Errorf("mysql-0: %+v, primary %q", a, d.Primary)
				}
			},
		},
		{
			name:  "a restarted member that cannot be queried yet is not ONLINE (its entry is the old incarnation)",
			obs:   healthy3().unreachable(0).each([]int{0}, func(m *Member) { m.Restarted = true }).obs(),
			state: ClusterOnlinePartial, first: "none", reason: ReasonMembersUnreachable,
			check: func(t *testing.T, d Decision) {
				if a := assessment(d, "mysql-0"); a.Health != HealthUnreachable || a.Role != RoleNone || d.Primary != "" {
					t.Errorf("mysql-0: %+v, primary %q", a, d.Primary)
				}
			},
		},
		{
			name:  "a restarted member that answers ONLINE in the group is ONLINE again",
			obs:   healthy3().each([]int{1}, func(m *Member) { m.Restarted = true }).obs(),
			state: ClusterOnline, first: "none", reason: ReasonOnline,
		},
	})
}

func TestDecideNeverTouched(t *testing.T) {
	runRows(t, []row{
		{
			name: "a member being cloned is left alone, and a second clone is never started",
			obs: newCluster(3, 3).group("1:4", 0, 0, 1).gtid(g("1-100"), 0, 1).purged(g("1-50"), 0, 1).
				status(func(s *MemberStatus) { s.Clone.State = CloneInProgress }, 2).obs(),
			state: ClusterOnlinePartial, first: "none", reason: ReasonMemberCloning,
			check: func(t *testing.T, d Decision) {
				if a := assessment(d, "mysql-2"); a.Health != HealthCloning {
					t.Errorf("mysql-2: %+v", a)
				}
			},
		},
		{
			name: "a finished clone (Completed) no longer protects the member: it is joined",
			obs: newCluster(3, 3).group("1:4", 0, 0, 1).gtid(g("1-100"), 0, 1).gtid(g("1-100"), 2).
				status(func(s *MemberStatus) { s.Clone.State = CloneCompleted }, 2).obs(),
			state: ClusterOnlinePartial, first: "JoinMember mysql-2", reason: ReasonMemberJoining,
		},
		{
			name: "a member whose recovery keeps failing does not hold up another member's join",
			obs: newCluster(3, 3).group("1:4", 0, 0, 1).gtid(g("1-100"), 0).
				view("1:4", []GroupMember{entry(0, StateOnline, RolePrimary), entry(1, StateRecovering, RoleSecondary)},
					0, 1).
				status(func(s *MemberStatus) { s.RecoveryError = "Access denied for user 'orca_repl'@'%'" }, 1).
				gtid(g("1-100"), 2).obs(),
			state: ClusterOnlinePartial, first: "JoinMember mysql-2", reason: ReasonMemberJoining,
			check: func(t *testing.T, d Decision) {
				if !hasFinding(d, ReasonMemberRecovering, "mysql-1") {
					t.Errorf("the stuck recovery should be reported")
				}
			},
		},
		{
			name: "a member that recovers normally still holds up the next join",
			obs: newCluster(3, 3).group("1:4", 0, 0, 1).gtid(g("1-100"), 0).
				view("1:4", []GroupMember{entry(0, StateOnline, RolePrimary), entry(1, StateRecovering, RoleSecondary)},
					0, 1).gtid(g("1-100"), 2).obs(),
			state: ClusterOnlinePartial, first: "none", reason: ReasonMemberRecovering,
		},
		{
			name: "an OFFLINE member whose auto-rejoin runs is stopped before it is started",
			obs: newCluster(3, 3).group("1:4", 0, 0, 1).gtid(g("1-100"), 0, 1, 2).
				status(func(s *MemberStatus) { s.AutoRejoining = true }, 2).obs(),
			state: ClusterOnlinePartial, first: "RejoinMember mysql-2", reason: ReasonMemberRejoining,
			check: func(t *testing.T, d Decision) {
				if !d.Actions[0].StopFirst {
					t.Errorf("the auto-rejoin must be stopped first")
				}
			},
		},
	})
}

func TestDecideImageInitialisation(t *testing.T) {
	own := func(i int) string { return uuid(i) + ":1-5" } // the entrypoint's time zone load
	runRows(t, []row{
		{
			name:  "fresh members with their own initialisation transactions still bootstrap a new group",
			obs:   fresh(3, 3).gtid(own(0), 0).gtid(own(1), 1).gtid(own(2), 2).obs(),
			state: ClusterInitializing, first: "BootstrapGroup mysql-0", reason: ReasonBootstrapping,
		},
		{
			name: "a joiner that never joined is cloned instead of kept out as errant",
			obs: newCluster(3, 3).group("1:1", 0, 0).gtid(own(0)+","+g("1"), 0).gtid(own(1), 1).gtid(own(2), 2).
				with(func(o *Observation) { o.Members[2].Status.GTIDExecuted = own(2) }).obs(),
			state: ClusterOnlinePartial, first: "CloneMember mysql-1", reason: ReasonMemberCloning,
			check: func(t *testing.T, d Decision) {
				if d.Actions[0].Donor != "mysql-0" || hasFinding(d, ReasonErrantTransactions, "") {
					t.Errorf("want a clone from mysql-0 and no errant finding:\n%s", describe(d))
				}
			},
		},
		{
			name: "a member that was in the group and wrote on its own is errant, not pristine",
			obs: newCluster(3, 3).group("1:4", 0, 0, 1).gtid(g("1-100"), 0, 1).
				gtid(g("1-90")+","+uuid(2)+":1-123", 2).obs(),
			state: ClusterOnlinePartial, first: "none", reason: ReasonErrantTransactions,
		},
		{
			name: "errant transactions wiped on request are recorded in full on the action",
			obs: newCluster(3, 3).group("1:4", 0, 0, 1).gtid(g("1-100"), 0, 1).
				gtid(g("1-90")+","+uuid(2)+":1-123", 2).req(func(r *Requests) { r.AllowErrantWipe = true }).obs(),
			state: ClusterOnlinePartial, first: "CloneMember mysql-2", reason: ReasonErrantTransactions,
			check: func(t *testing.T, d Decision) {
				if d.Actions[0].Errant != uuid(2)+":1-123" || !strings.Contains(d.Message, "lost") {
					t.Errorf("errant %q, message %q", d.Actions[0].Errant, d.Message)
				}
			},
		},
	})
}

func TestDecideUpkeep(t *testing.T) {
	runRows(t, []row{
		{
			name:  "offline_mode is cleared on the primary first, then on a secondary",
			obs:   healthy3().status(func(s *MemberStatus) { s.OfflineMode = true }, 0, 2).obs(),
			state: ClusterOnline, first: "ResetVariables mysql-0", reason: ReasonResettingVariables,
			check: func(t *testing.T, d Decision) {
				if len(d.Actions) != 2 || d.Actions[1].Member != "mysql-2" ||
					d.Actions[0].Variables[0] != VarOfflineMode {
					t.Errorf("want resets of mysql-0 then mysql-2:\n%s", describe(d))
				}
			},
		},
		{
			name: "offline_mode of a member out of the group is left for after its rejoin",
			obs: newCluster(3, 3).group("1:4", 0, 0, 1).gtid(g("1-100"), 0, 1, 2).
				status(func(s *MemberStatus) { s.OfflineMode = true }, 2).obs(),
			state: ClusterOnlinePartial, first: "JoinMember mysql-2", reason: ReasonMemberJoining,
		},
		{
			name: "a bootstrap_group left ON by a stopped operator is reset before anything else",
			obs: healthy3().status(func(s *MemberStatus) { s.BootstrapGroup = true; s.ForceMembers = "x:3306" }, 1).
				obs(),
			state: ClusterOnline, first: "ResetVariables mysql-1", reason: ReasonResettingVariables,
			check: func(t *testing.T, d Decision) {
				if v := d.Actions[0].Variables; len(v) != 2 || v[0] != VarBootstrapGroup || v[1] != VarForceMembers {
					t.Errorf("variables %v", v)
				}
			},
		},
		{
			name: "a switchover to a member that lags is held with the reason",
			obs: healthy3().status(func(s *MemberStatus) { s.ApplierQueue = 5000 }, 2).
				with(func(o *Observation) { o.SwitchoverMaxQueue = 100 }).
				req(func(r *Requests) { r.SwitchoverTo = "mysql-2" }).obs(),
			state: ClusterOnline, first: "none", reason: ReasonSwitchoverBlocked,
			check: func(t *testing.T, d Decision) {
				if !strings.Contains(d.Message, "5000 transactions behind") {
					t.Errorf("message %q", d.Message)
				}
			},
		},
		{
			name:  "changed credentials are set on the primary",
			obs:   healthy3().req(func(r *Requests) { r.RotateCredentials = true }).obs(),
			state: ClusterOnline, first: "RotateCredentials mysql-0", reason: ReasonRotatingCredentials,
		},
		{
			name:  "changed credentials wait while the primary cannot be queried",
			obs:   healthy3().unreachable(0).req(func(r *Requests) { r.RotateCredentials = true }).obs(),
			state: ClusterOnline, first: "none", reason: ReasonRotatingCredentials,
		},
	})
}

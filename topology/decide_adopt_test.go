package topology

import "testing"

// preTLS marks members as started by an Orca without TLS that answer with a certificate Orca does not trust.
func (b *builder) preTLS(ids ...int) *builder {
	return b.each(ids, func(m *Member) {
		m.PreTLS, m.Untrusted, m.Status, m.Unreachable = true, true, nil, "cannot connect"
	})
}

func (b *builder) labelledPrimary(i int) *builder {
	return b.each([]int{i}, func(m *Member) { m.LabelledPrimary = true })
}

// adopted3 is a group of three whose primary is prim, seen through the adopted members: the others are
// pre-TLS and answer untrusted.
func adopted3(prim int, adopted ...int) *builder {
	b := newCluster(3, 3).group("1:9", prim, 0, 1, 2).gtid(g("1-100"), 0, 1, 2)
	for i := range 3 {
		if !contains(adopted, i) {
			b.preTLS(i)
		}
	}
	return b
}

func contains(ids []int, i int) bool {
	for _, x := range ids {
		if x == i {
			return true
		}
	}
	return false
}

func TestDecideAdoptsMembersStartedBeforeTLS(t *testing.T) {
	runRows(t, []row{
		{
			name:  "nothing verifiable: the highest ordinal not labelled primary restarts first",
			obs:   newCluster(3, 3).preTLS(0, 1, 2).labelledPrimary(2).obs(),
			state: ClusterUnknown, first: "AdoptMember mysql-1", reason: ReasonUpgradeInProgress,
		},
		{
			name:  "nothing verifiable, one member: it restarts (no other can serve)",
			obs:   newCluster(1, 1).preTLS(0).labelledPrimary(0).obs(),
			state: ClusterUnknown, first: "AdoptMember mysql-0", reason: ReasonUpgradeInProgress,
		},
		{
			name:  "an unverifiable member that does not answer (not a certificate failure): wait",
			obs:   newCluster(3, 3).preTLS(0, 1, 2).each([]int{1}, func(m *Member) { m.Untrusted = false }).obs(),
			state: ClusterUnknown, first: "none", reason: ReasonUpgradeInProgress,
		},
		{
			name:  "a pod down: wait, restart nothing",
			obs:   newCluster(3, 3).preTLS(0, 1).down(2).obs(),
			state: ClusterUnknown, first: "none", reason: ReasonUpgradeInProgress,
		},
		{
			name:  "never bootstrapped: nothing to adopt",
			obs:   fresh(3, 3).preTLS(0, 1, 2).obs(),
			state: ClusterUnknown, first: "none", reason: ReasonMembersUnreachable,
		},
		{
			name:  "the first adopted member is back OFFLINE: it joins the group the others form",
			obs:   newCluster(3, 3).preTLS(0, 1).gtid(g("1-90"), 2).obs(),
			state: ClusterOfflineUncertain, first: "JoinMember mysql-2", reason: ReasonUpgradeInProgress,
		},
		{
			name:  "the group is seen through the adopted member: the next secondary restarts",
			obs:   adopted3(0, 2).obs(),
			state: ClusterOnline, first: "AdoptMember mysql-1", reason: ReasonUpgradeInProgress,
		},
		{
			name:  "only the primary is left: switch over to an adopted member first",
			obs:   adopted3(0, 1, 2).obs(),
			state: ClusterOnline, first: "Switchover mysql-1", reason: ReasonUpgradeInProgress,
		},
		{
			name:  "the primary moved: the old primary restarts as a secondary",
			obs:   adopted3(1, 1, 2).obs(),
			state: ClusterOnline, first: "AdoptMember mysql-0", reason: ReasonUpgradeInProgress,
		},
		{
			name: "an adopted member recovering: the next restart waits",
			obs: adopted3(0, 2).view("1:9", []GroupMember{entry(0, StateOnline, RolePrimary),
				entry(1, StateOnline, RoleSecondary), entry(2, StateRecovering, RoleSecondary)}, 2).obs(),
			state: ClusterOnlinePartial, first: "none", reason: ReasonMemberRecovering,
		},
		{
			name: "an unverified member the group lists UNREACHABLE: the next restart waits",
			obs: adopted3(0, 2).view("1:9", []GroupMember{entry(0, StateOnline, RolePrimary),
				entry(1, StateUnreachable, RoleSecondary), entry(2, StateOnline, RoleSecondary)}, 2).obs(),
			state: ClusterOnlineUncertain, first: "none", reason: ReasonMembersUnreachable,
			check: func(t *testing.T, d Decision) {
				if !hasFinding(d, ReasonUpgradeInProgress, "") {
					t.Error("the adoption should say it waits")
				}
			},
		},
		{
			name:  "every member adopted: nothing more to adopt",
			obs:   adopted3(1, 0, 1, 2).obs(),
			state: ClusterOnline, first: "none", reason: ReasonOnline,
		},
	})
}

package mysqlsim

import (
	"testing"
)

func connectionStatus(tc *testCluster, m *Member, channel string) []any {
	tc.t.Helper()
	return tc.row(m, "SELECT SERVICE_STATE, RECEIVED_TRANSACTION_SET, LAST_ERROR_NUMBER, LAST_ERROR_MESSAGE, "+
		"SOURCE_UUID, GROUP_NAME FROM performance_schema.replication_connection_status WHERE CHANNEL_NAME = '"+
		channel+"'")
}

// Manual 20.5.2 "Restarting a Group": the group_replication_applier channel's relay log is on disk.
// What a member received but had not applied survives a crash, shows in RECEIVED_TRANSACTION_SET,
// and is applied when Group Replication starts again.
func TestRelayLogSurvivesACrashAndIsAppliedOnStart(t *testing.T) {
	tc := newCluster(t, 3, "", nil)
	tc.bootstrap()
	m1, m2 := tc.members[0], tc.members[1]
	m2.SetLag(true)
	tc.exec(m1, "CREATE USER queued@'%'")
	last := m1.GTIDExecuted().NextFree(testGroupName) - 1
	if r := tc.row(m2, "SELECT COUNT_TRANSACTIONS_REMOTE_IN_APPLIER_QUEUE FROM "+
		"performance_schema.replication_group_member_stats WHERE MEMBER_ID = @@server_uuid"); r[0] != uint64(1) {
		t.Fatalf("applier queue %v", r)
	}
	m2.Crash()
	if err := m2.Restart(); err != nil {
		t.Fatal(err)
	}
	if !m2.ApplierQueue().Contains(testGroupName, last) || m2.GTIDExecuted().Contains(testGroupName, last) {
		t.Fatalf("after the restart: queue %s, executed %s", m2.ApplierQueue(), m2.GTIDExecuted())
	}
	r := connectionStatus(tc, m2, "group_replication_applier")
	received := MustGTIDSet(r[1].(string))
	if r[0] != "OFF" || !received.Contains(testGroupName, last) || r[4] != testGroupName || r[5] != testGroupName {
		t.Fatalf("applier channel after the restart: %v", r)
	}
	tc.exec(m2, "START GROUP_REPLICATION USER='rpl_user', PASSWORD='password'")
	tc.waitState(m2, StateOnline)
	if !m2.GTIDExecuted().Contains(testGroupName, last) || !m2.ApplierQueue().IsEmpty() {
		t.Fatalf("relay log not applied: %s", m2.GTIDExecuted())
	}
	if _, ok := m2.LookupAccount("queued", "h"); !ok {
		t.Fatal("the queued account statement was not applied")
	}
	if r := connectionStatus(tc, m2, "group_replication_applier"); r[0] != "ON" {
		t.Fatalf("applier channel while running: %v", r)
	}
}

// The join check compares the joiner's gtid_executed ∪ received set with the group's: a member whose
// relay log holds a transaction the (re-bootstrapped) group lacks is refused, while one whose queued
// transaction the group has is not errant.
func TestJoinCheckCountsTheRelayLog(t *testing.T) {
	tc := newCluster(t, 3, "", nil)
	tc.bootstrap()
	m1, m2, m3 := tc.members[0], tc.members[1], tc.members[2]
	m2.SetLag(true)
	m3.Isolate() // the majority (m1, m2) commits without m3
	tc.exec(m1, "CREATE USER only_m1_m2@'%'; CREATE USER only_m1_m2_too@'%'")
	tc.g.LoseAll()
	for _, m := range tc.members {
		if err := m.Restart(); err != nil {
			t.Fatal(err)
		}
	}
	m3.Heal()
	// The least advanced member bootstraps: its view change takes the first GTID m2 queued, the second
	// is not in the new group.
	tc.exec(m3, "SET GLOBAL group_replication_bootstrap_group=ON; START GROUP_REPLICATION USER='rpl_user', "+
		"PASSWORD='password'; SET GLOBAL group_replication_bootstrap_group=OFF")
	wantCode(t, tc.sqlError(m2, "START GROUP_REPLICATION USER='rpl_user', PASSWORD='password'"), 3092,
		"not configured properly")
	if !logContains(m2, "This member has more executed transactions than those present in the group") {
		t.Fatal("m2's relay log transaction was not counted as errant")
	}
	// The same queued transaction is not errant in a group that has it.
	tc.exec(m3, "STOP GROUP_REPLICATION")
	tc.exec(m1, "SET GLOBAL group_replication_bootstrap_group=ON; START GROUP_REPLICATION USER='rpl_user', "+
		"PASSWORD='password'; SET GLOBAL group_replication_bootstrap_group=OFF")
	tc.exec(m2, "START GROUP_REPLICATION USER='rpl_user', PASSWORD='password'")
	tc.waitState(m2, StateOnline)
}

// The group_replication_recovery channel's row shows a failed donor connection (here 2061, a
// caching_sha2_password account over a connection without SSL or the RSA key) and clears once a
// connection succeeds.
func TestRecoveryChannelShowsTheDonorConnectionError(t *testing.T) {
	tc := newCluster(t, 3, "", nil)
	tc.bootstrap()
	m1, m3 := tc.members[0], tc.members[2]
	tc.exec(m3, "STOP GROUP_REPLICATION; SET GLOBAL group_replication_recovery_get_public_key = OFF; "+
		"SET GLOBAL group_replication_recovery_reconnect_interval = 1")
	tc.exec(m1, "CREATE USER while_stopped@'%'")
	tc.exec(m3, "START GROUP_REPLICATION USER='rpl_user', PASSWORD='password'")
	tc.waitFor("a failed donor connection", func() bool { return logContains(m3, "Error connecting to source") })
	r := connectionStatus(tc, m3, "group_replication_recovery")
	if r[2] != int64(2061) || r[3] != "Authentication plugin 'caching_sha2_password' reported error: "+
		"Authentication requires secure connection." || r[4] == "" {
		t.Fatalf("recovery channel: %v", r)
	}
	tc.exec(m3, "SET GLOBAL group_replication_recovery_get_public_key = ON")
	tc.waitState(m3, StateOnline)
	r = connectionStatus(tc, m3, "group_replication_recovery")
	if r[0] != "OFF" || r[2] != int64(0) || r[3] != "" {
		t.Fatalf("recovery channel after recovery: %v", r)
	}
	if !MustGTIDSet(r[1].(string)).Contains(testGroupName, m1.GTIDExecuted().NextFree(testGroupName)-2) {
		t.Fatalf("recovery channel received set %v", r[1])
	}
}

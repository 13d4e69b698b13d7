package mysqlsim

import (
	"testing"
)

func TestLaggingMemberQueuesTransactions(t *testing.T) {
	tc := newCluster(t, 3, "", nil)
	tc.bootstrap()
	m1, m2 := tc.members[0], tc.members[1]
	m2.SetLag(true)
	tc.exec(m1, "CREATE USER lagged@'%'")
	if m2.GTIDExecuted().Equal(m1.GTIDExecuted()) {
		t.Fatal("a lagging applier must not apply")
	}
	r := tc.row(m1, "SELECT COUNT_TRANSACTIONS_REMOTE_IN_APPLIER_QUEUE FROM "+
		"performance_schema.replication_group_member_stats WHERE MEMBER_ID = '"+m2.UUID()+"'")
	if r[0] != uint64(1) {
		t.Fatalf("queue %v", r)
	}
	m2.SetLag(false)
	if !m2.GTIDExecuted().Equal(m1.GTIDExecuted()) {
		t.Fatal("applier did not catch up")
	}
	if _, ok := m2.LookupAccount("lagged", "h"); !ok {
		t.Fatal("queued account statement not applied")
	}
}

// TestCertifierBacklogInEveryMembersStats: a member's certifier backlog is its COUNT_TRANSACTIONS_IN_QUEUE, read
// from any member (the group shares the statistics).
func TestCertifierBacklogInEveryMembersStats(t *testing.T) {
	tc := newCluster(t, 3, "", nil)
	tc.bootstrap()
	m1, m2 := tc.members[0], tc.members[1]
	m2.SetCertifierBacklog(30000)
	q := "SELECT COUNT_TRANSACTIONS_IN_QUEUE FROM performance_schema.replication_group_member_stats WHERE MEMBER_ID = '"
	for _, from := range tc.members {
		if r := tc.row(from, q+m2.UUID()+"'"); r[0] != uint64(30000) {
			t.Fatalf("m2's certifier queue read from %s: %v", from.UUID(), r)
		}
	}
	if r := tc.row(m2, q+m1.UUID()+"'"); r[0] != uint64(0) {
		t.Fatalf("m1's certifier queue: %v", r)
	}
	m2.SetCertifierBacklog(0)
	if r := tc.row(m1, q+m2.UUID()+"'"); r[0] != uint64(0) {
		t.Fatalf("after the backlog cleared: %v", r)
	}
}

func TestUnreachableMajorityTimeoutAndAbortServer(t *testing.T) {
	tc := newCluster(t, 3, "", nil)
	tc.bootstrap()
	m3 := tc.members[2]
	tc.exec(m3, "SET GLOBAL group_replication_unreachable_majority_timeout = 2; "+
		"SET GLOBAL group_replication_autorejoin_tries = 0; SET GLOBAL group_replication_exit_state_action = ABORT_SERVER")
	inc := m3.Incarnation()
	m3.Isolate()
	tc.waitFor("abort and supervised restart", func() bool { return m3.Incarnation() > inc && m3.Up() })
	if !logContains(m3, "group_replication_unreachable_majority_timeout") || !logContains(m3, "will now abort") {
		t.Fatal("exit path not logged")
	}
	if m3.State() != StateOffline {
		t.Fatalf("after abort and restart: %s", m3.State())
	}
}

func TestCloneInstanceStatement(t *testing.T) {
	tc := newCluster(t, 2, "", nil)
	m1, m2 := tc.members[0], tc.members[1]
	tc.exec(m1, "CREATE USER donor@'%' IDENTIFIED BY 'pw'; GRANT BACKUP_ADMIN ON *.* TO donor@'%'")
	tc.exec(m2, "SET GLOBAL clone_valid_donor_list = '127.0.0.2:3306'")
	wantCode(t, tc.sqlError(m2, "CLONE INSTANCE FROM 'donor'@'127.0.0.2':3306 IDENTIFIED BY 'bad'"), 3862,
		"Access denied for user 'donor'")
	inc := m2.Incarnation()
	tc.exec(m2, "CLONE INSTANCE FROM 'donor'@'127.0.0.2':3306 IDENTIFIED BY 'pw'")
	tc.waitFor("restart after clone", func() bool { return m2.Incarnation() > inc && m2.Up() })
	if !m2.GTIDExecuted().Equal(m1.GTIDExecuted()) || m2.GTIDExecuted().IsEmpty() {
		t.Fatalf("clone gtids %s vs %s", m2.GTIDExecuted(), m1.GTIDExecuted())
	}
	if _, ok := m2.LookupAccount("donor", "x"); !ok {
		t.Fatal("accounts not cloned")
	}
	tc.exec(m2, "SET GLOBAL super_read_only = OFF; RESET BINARY LOGS AND GTIDS; SET GLOBAL gtid_purged = '"+
		testGroupName+":1-10'")
	if r := tc.row(m2, "SELECT @@gtid_executed, GTID_SUBSET(@@gtid_purged, @@gtid_executed)"); r[0] != testGroupName+":1-10" || r[1] != int64(1) {
		t.Fatalf("gtid_purged: %v", r)
	}
}

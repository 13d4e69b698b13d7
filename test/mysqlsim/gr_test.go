package mysqlsim

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestElectionOrderIsVersionThenWeightThenUUID(t *testing.T) {
	cases := []struct {
		name  string
		cands []Candidate
		want  string
	}{
		{"lowest uuid breaks ties", []Candidate{{"b", "8.4.6", 50}, {"a", "8.4.6", 50}}, "a"},
		{"highest weight wins", []Candidate{{"a", "8.4.6", 50}, {"b", "8.4.6", 70}}, "b"},
		{"lowest version beats weight", []Candidate{{"a", "8.4.6", 90}, {"b", "8.4.5", 10}}, "b"},
		{"patch versions compare numerically", []Candidate{{"a", "8.4.10", 50}, {"b", "8.4.9", 50}}, "b"},
	}
	for _, c := range cases {
		if got := electPrimary(c.cands); got != c.want {
			t.Errorf("%s: got %s want %s", c.name, got, c.want)
		}
	}

	tc := newCluster(t, 3, "", nil)
	tc.bootstrap()
	m1, m2, m3 := tc.members[0], tc.members[1], tc.members[2]
	tc.exec(m3, "SET GLOBAL group_replication_member_weight = 90")
	m1.Crash()
	tc.waitFor("m3 elected after the primary crash", func() bool { return m3.Role() == RolePrimary })
	if m2.Role() != RoleSecondary {
		t.Fatalf("m2 role %s", m2.Role())
	}
	if r := tc.row(m3, "SELECT @@super_read_only"); r[0] != int64(0) {
		t.Fatal("new primary still read-only")
	}
}

func TestSecondaryRefusesWritesWith1290(t *testing.T) {
	tc := newCluster(t, 3, dataDSN(t), nil)
	tc.bootstrap()
	tc.exec(tc.members[0], "CREATE TABLE t (id INT PRIMARY KEY)")
	err := tc.sqlError(tc.members[1], "INSERT INTO t VALUES (1)")
	wantCode(t, err, 1290, "The MySQL server is running with the --super-read-only option so it cannot execute this statement")
	wantCode(t, tc.sqlError(tc.members[2], "CREATE USER x@'%'"), 1290, "--super-read-only")
}

func TestGTIDPropagationAndIncrementalRecovery(t *testing.T) {
	tc := newCluster(t, 3, dataDSN(t), nil)
	tc.bootstrap()
	m1, m3 := tc.members[0], tc.members[2]
	tc.exec(m1, "CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1); "+
		"BEGIN; INSERT INTO t VALUES (2); INSERT INTO t VALUES (3); COMMIT")
	want := testGroupName + ":1-6" // 3 view changes, CREATE TABLE, one autocommit INSERT, one transaction
	for _, m := range tc.members {
		if got := m.GTIDExecuted().String(); got != want {
			t.Fatalf("%s gtid_executed %s, want %s", m.Name(), got, want)
		}
	}
	tc.exec(m3, "STOP GROUP_REPLICATION")
	tc.exec(m1, "INSERT INTO t VALUES (4); CREATE USER app@'%' IDENTIFIED BY 'x'")
	if m3.GTIDExecuted().Count() != 6 {
		t.Fatal("a stopped member must fall behind")
	}
	tc.exec(m3, "START GROUP_REPLICATION USER='rpl_user', PASSWORD='password'")
	if m3.State() != StateRecovering {
		t.Fatalf("joiner state %s", m3.State())
	}
	tc.waitState(m3, StateOnline)
	if !m3.GTIDExecuted().Equal(m1.GTIDExecuted()) {
		t.Fatalf("after recovery m3 %s, m1 %s", m3.GTIDExecuted(), m1.GTIDExecuted())
	}
	if _, ok := m3.LookupAccount("app", "10.0.0.1"); !ok {
		t.Fatal("the account created while m3 was away was not recovered")
	}
	if !logContains(m3, "declared online") {
		t.Fatal("no online message")
	}
}

// Manual 20.5.4.2.3 "Cloning for Distributed Recovery": Group Replication persists nothing for the
// clone's restart, so with start_on_boot=OFF (what Orca configures) the member comes back OFFLINE and
// needs START again, with the credentials given on START (they are not persisted, 20.5.4.2).
func TestCloneRecoveryWhenDonorPurged(t *testing.T) {
	tc := newCluster(t, 3, "", nil)
	tc.bootstrap()
	m1, m2, m3 := tc.members[0], tc.members[1], tc.members[2]
	tc.exec(m3, "STOP GROUP_REPLICATION")
	tc.exec(m1, "CREATE USER a@'%'; CREATE USER b@'%'")
	m1.PurgeBinaryLogs()
	m2.PurgeBinaryLogs()
	uuidBefore := m3.UUID()
	inc := m3.Incarnation()
	tc.exec(m3, "START GROUP_REPLICATION USER='rpl_user', PASSWORD='password'")
	tc.waitFor("clone restart", func() bool { return m3.Incarnation() > inc && m3.Up() })
	if !m3.GTIDExecuted().Equal(m1.GTIDExecuted()) || m3.UUID() != uuidBefore {
		t.Fatalf("after clone: %s vs %s", m3.GTIDExecuted(), m1.GTIDExecuted())
	}
	if _, ok := m3.LookupAccount("b", "x"); !ok {
		t.Fatal("clone did not copy accounts")
	}
	rs := tc.exec(m3, "SELECT STATE, SOURCE FROM performance_schema.clone_status")
	if rs[0].Rows[0][0] != "Completed" {
		t.Fatalf("clone_status %v", rs[0].Rows)
	}
	if v, _ := m3.Var("group_replication_start_on_boot"); v != "OFF" {
		t.Fatal("clone recovery must not persist start_on_boot")
	}
	if m3.State() != StateOffline || m3.ViewID() != "" || len(m1.GroupMembers()) != 2 {
		t.Fatalf("after the clone's restart: %s, m1 sees %+v", m3.State(), m1.GroupMembers())
	}
	tc.exec(m3, "START GROUP_REPLICATION USER='rpl_user', PASSWORD='password'")
	tc.waitState(m3, StateOnline)
	if !m3.GTIDExecuted().Equal(m1.GTIDExecuted()) {
		t.Fatalf("after the second START: %s vs %s", m3.GTIDExecuted(), m1.GTIDExecuted())
	}
}

func TestCloneThresholdForcesClone(t *testing.T) {
	tc := newCluster(t, 2, "", nil)
	tc.bootstrap()
	m1, m2 := tc.members[0], tc.members[1]
	tc.exec(m2, "STOP GROUP_REPLICATION; SET GLOBAL group_replication_clone_threshold = 1")
	tc.exec(m1, "CREATE USER c@'%'")
	inc := m2.Incarnation()
	tc.exec(m2, "CHANGE REPLICATION SOURCE TO SOURCE_USER='rpl_user', SOURCE_PASSWORD='password' "+
		"FOR CHANNEL 'group_replication_recovery'; START GROUP_REPLICATION")
	tc.waitFor("clone restart", func() bool { return m2.Incarnation() > inc && m2.Up() })
	if !logContains(m2, "Cloning from a remote group donor") {
		t.Fatal("threshold did not choose clone")
	}
	if m2.State() != StateOffline {
		t.Fatalf("after the clone's restart: %s", m2.State())
	}
	tc.exec(m2, "START GROUP_REPLICATION") // the recovery channel's credentials are on disk
	tc.waitState(m2, StateOnline)
}

func TestErrantTransactionRefusesJoin(t *testing.T) {
	tc := newCluster(t, 3, "", nil)
	tc.bootstrap()
	m3 := tc.members[2]
	tc.exec(m3, "STOP GROUP_REPLICATION; SET GLOBAL super_read_only = OFF; CREATE USER local@'%'")
	if !m3.GTIDExecuted().Contains(m3.UUID(), 1) {
		t.Fatalf("standalone write must use the server uuid: %s", m3.GTIDExecuted())
	}
	err := tc.sqlError(m3, "START GROUP_REPLICATION USER='rpl_user', PASSWORD='password'")
	wantCode(t, err, 3092, "not configured properly")
	if m3.State() != StateOffline {
		t.Fatalf("state %s", m3.State())
	}
	for _, text := range []string{"[MY-011526] [Repl] Plugin group_replication reported: 'This member has more executed " +
		"transactions than those present in the group. Local transactions: ", "The member contains transactions not " +
		"present in the group. The member will now exit the group."} {
		if !logContains(m3, text) {
			t.Fatalf("error log lacks %q", text)
		}
	}
}

func TestQuorumLossBlocksWritesUntilForceMembers(t *testing.T) {
	tc := newCluster(t, 3, dataDSN(t), nil)
	tc.bootstrap()
	m1, m2, m3 := tc.members[0], tc.members[1], tc.members[2]
	tc.exec(m1, "CREATE TABLE t (id INT PRIMARY KEY)")
	sub := m1.Subscribe()
	defer sub.Close()
	m2.Crash()
	m3.Crash()
	tc.waitFor("quorum loss", func() bool { return !m1.HasQuorum() })
	rows := tc.exec(m1, "SELECT MEMBER_STATE FROM performance_schema.replication_group_members")[0].Rows
	unreachable := 0
	for _, r := range rows {
		if r[0] == "UNREACHABLE" {
			unreachable++
		}
	}
	if unreachable != 2 {
		t.Fatalf("states %v", rows)
	}
	waitNotice(t, sub, NoticeQuorumLoss)
	s := tc.session(m1)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	_, err := m1.Exec(ctx, s, "INSERT INTO t VALUES (1)")
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("write without quorum must block, got %v", err)
	}
	wantCode(t, tc.sqlError(m1, "SELECT group_replication_set_as_primary('"+m1.UUID()+"')"), 1123, "majority partition")
	tc.exec(m1, "SET GLOBAL group_replication_force_members = '127.0.0.2:33061'")
	if !m1.HasQuorum() || len(m1.GroupMembers()) != 1 {
		t.Fatalf("force_members: %+v", m1.GroupMembers())
	}
	tc.exec(m1, "INSERT INTO t VALUES (1)")
	waitNotice(t, sub, NoticeViewChange)
	wantCode(t, tc.sqlError(m1, "SET GLOBAL group_replication_force_members = '127.0.0.2:33061'"), 1231, "force_members")
}

func TestAutoRejoinAfterExpel(t *testing.T) {
	tc := newCluster(t, 3, "", nil)
	tc.bootstrap()
	m1, m3 := tc.members[0], tc.members[2]
	m3.Isolate()
	tc.waitFor("m3 expelled", func() bool { return len(m1.GroupMembers()) == 2 })
	if st := m3.GroupMembers(); len(st) != 3 || m3.HasQuorum() {
		t.Fatalf("isolated member view %+v", st)
	}
	tc.exec(m1, "CREATE USER while_away@'%'")
	m3.Heal()
	tc.waitFor("m3 rejoined", func() bool { return m3.State() == StateOnline && len(m1.GroupMembers()) == 3 })
	for _, text := range []string{"Member was expelled from the group due to network failures", "Started auto-rejoin procedure attempt 1 of 3", "Auto-rejoin procedure succeeded"} {
		if !logContains(m3, text) {
			t.Fatalf("error log lacks %q", text)
		}
	}
	if !m3.GTIDExecuted().Equal(m1.GTIDExecuted()) {
		t.Fatal("rejoined member did not recover")
	}
}

func TestInjectedErrorAndExitStateAction(t *testing.T) {
	tc := newCluster(t, 3, "", nil)
	tc.bootstrap()
	m1, m2 := tc.members[0], tc.members[1]
	tc.exec(m2, "SET GLOBAL group_replication_exit_state_action = 'OFFLINE_MODE'")
	if err := m2.InjectError(""); err != nil {
		t.Fatal(err)
	}
	if m2.State() != StateError || len(m1.GroupMembers()) != 2 {
		t.Fatalf("m2 %s, m1 sees %+v", m2.State(), m1.GroupMembers())
	}
	if v, _ := m2.Var("offline_mode"); v != "ON" {
		t.Fatal("OFFLINE_MODE exit action not applied")
	}
	rows := tc.exec(m2, "SELECT MEMBER_STATE, MEMBER_ROLE FROM performance_schema.replication_group_members")[0].Rows
	if len(rows) != 1 || rows[0][0] != "ERROR" || rows[0][1] != "" {
		t.Fatalf("ERROR member table %v", rows)
	}
	tc.exec(m2, "STOP GROUP_REPLICATION")
	if m2.State() != StateOffline {
		t.Fatal("STOP from ERROR must go OFFLINE")
	}
}

func TestSetAsPrimaryAndModeSwitch(t *testing.T) {
	tc := newCluster(t, 3, "", nil)
	tc.bootstrap()
	m1, m2 := tc.members[0], tc.members[1]
	r := tc.row(m1, "SELECT group_replication_set_as_primary('"+m2.UUID()+"', 10)")
	if r[0] != "Primary server switched to: "+m2.UUID() || m2.Role() != RolePrimary || m1.Role() != RoleSecondary {
		t.Fatalf("switchover: %v", r)
	}
	r = tc.row(m1, "SELECT group_replication_set_as_primary('"+m2.UUID()+"')")
	if r[0] != "The requested member is already the current group primary." {
		t.Fatalf("%v", r)
	}
	wantCode(t, tc.sqlError(m1, "SELECT group_replication_set_as_primary('00000009-0000-4000-8000-000000000000')"),
		1123, "The requested uuid is not a member of the group.")
	tc.row(m1, "SELECT group_replication_switch_to_multi_primary_mode()")
	for _, m := range tc.members {
		if m.Role() != RolePrimary {
			t.Fatalf("multi-primary: %s is %s", m.Name(), m.Role())
		}
	}
	r = tc.row(m1, "SELECT group_replication_switch_to_single_primary_mode('"+m1.UUID()+"')")
	if !strings.Contains(r[0].(string), "single-primary") || m1.Role() != RolePrimary || m2.Role() != RoleSecondary {
		t.Fatalf("single-primary: %v", r)
	}
}

func TestCrashedMemberRestartsAndRejoinsOnBoot(t *testing.T) {
	tc := newCluster(t, 3, "", nil)
	tc.bootstrap()
	m1, m3 := tc.members[0], tc.members[2]
	tc.exec(m3, "SET PERSIST group_replication_start_on_boot = ON; "+
		"CHANGE REPLICATION SOURCE TO SOURCE_USER='rpl_user', SOURCE_PASSWORD='password' FOR CHANNEL 'group_replication_recovery'")
	s := tc.session(m3)
	m3.Crash()
	if _, err := m3.Exec(context.Background(), s, "SELECT 1"); !errors.Is(err, ErrMemberDown) {
		t.Fatalf("exec on crashed member: %v", err)
	}
	if err := m3.Restart(); err != nil {
		t.Fatal(err)
	}
	tc.waitFor("m3 back", func() bool { return m3.State() == StateOnline && len(m1.GroupMembers()) == 3 })
	g := tc.g
	g.LoseAll()
	for _, m := range tc.members {
		if m.Up() {
			t.Fatal("lose-all left a member up")
		}
	}
}

func waitNotice(t *testing.T, sub *Subscription, want NoticeType) Notice {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case n, ok := <-sub.C:
			if !ok {
				t.Fatalf("subscription closed while waiting for %s", want)
			}
			if n.Type == want {
				return n
			}
		case <-timeout:
			t.Fatalf("no %s notice", want)
		}
	}
}

func TestTransactionsGetOneGTIDAtCommit(t *testing.T) {
	tc := newCluster(t, 1, dataDSN(t), nil)
	m := tc.members[0]
	s := tc.session(m)
	tc.execIn(s, "CREATE TABLE tx (id INT PRIMARY KEY)")
	before := m.GTIDExecuted().Count()
	tc.execIn(s, "SET autocommit = 0; INSERT INTO tx VALUES (1); ROLLBACK")
	if m.GTIDExecuted().Count() != before {
		t.Fatal("a rolled back transaction got a GTID")
	}
	if rows := tc.execIn(s, "SELECT * FROM tx")[0].Rows; len(rows) != 0 {
		t.Fatalf("rollback did not reach the data store: %v", rows)
	}
	tc.execIn(s, "INSERT INTO tx VALUES (2); INSERT INTO tx VALUES (3); COMMIT; SET SESSION transaction_isolation = 'READ-COMMITTED'")
	if m.GTIDExecuted().Count() != before+1 {
		t.Fatalf("commit: %s", m.GTIDExecuted())
	}
	tc.execIn(s, "SET sql_log_bin = 0; INSERT INTO tx VALUES (4); COMMIT")
	if m.GTIDExecuted().Count() != before+1 {
		t.Fatal("sql_log_bin=0 write got a GTID")
	}
}

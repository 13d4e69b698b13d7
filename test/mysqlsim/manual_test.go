package mysqlsim

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestManualSinglePrimaryDeployment drives three freshly initialised servers by SQL alone, following
// the MySQL 8.4 manual's "Deploying Group Replication in Single-Primary Mode": configure each
// instance (SQL instead of my.cnf), create the recovery user with binary logging off, bootstrap s1,
// add s2 and s3, and check the group and the notices a real group sends.
func TestManualSinglePrimaryDeployment(t *testing.T) {
	dsn := dataDSN(t)
	dropDatabase(t, "test")
	g, err := NewGroup(Config{Second: testSecond, DataDSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close() })
	tc := &testCluster{t: t, g: g}
	for i := 1; i <= 3; i++ {
		m, err := g.AddMember(MemberConfig{Name: fmt.Sprintf("s%d", i), Host: fmt.Sprintf("127.0.0.%d", i+1),
			Options: map[string]string{"server_id": fmt.Sprint(i)}})
		if err != nil {
			t.Fatal(err)
		}
		tc.members = append(tc.members, m)
	}
	s1, s2, s3 := tc.members[0], tc.members[1], tc.members[2]

	// 20.2.1.2 Configuring an Instance for Group Replication (the SQL equivalents of the option file).
	for i, m := range tc.members {
		wantCode(t, tc.sqlError(m, "SET GLOBAL group_replication_group_name = 'x'"), 1193, "Unknown system variable")
		tc.exec(m, "INSTALL PLUGIN group_replication SONAME 'group_replication.so'")
		tc.exec(m, "SET PERSIST enforce_gtid_consistency = ON; SET PERSIST gtid_mode = OFF_PERMISSIVE; "+
			"SET PERSIST gtid_mode = ON_PERMISSIVE; SET PERSIST gtid_mode = ON")
		tc.exec(m, "SET PERSIST group_replication_group_name = \"aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa\"; "+
			"SET PERSIST group_replication_start_on_boot = OFF; "+
			fmt.Sprintf("SET PERSIST group_replication_local_address = \"127.0.0.%d:33061\"; ", i+2)+
			"SET PERSIST group_replication_group_seeds = \"127.0.0.2:33061,127.0.0.3:33061,127.0.0.4:33061\"; "+
			"SET PERSIST group_replication_bootstrap_group = OFF; "+
			"SET PERSIST group_replication_recovery_get_public_key = ON")
		rows := tc.exec(m, "SHOW PLUGINS")[0].Rows
		if len(rows) != 1 || rows[0][0] != "group_replication" || rows[0][1] != "ACTIVE" {
			t.Fatalf("%s plugins %v", m.Name(), rows)
		}
	}
	sub1 := s1.Subscribe()
	defer sub1.Close()
	sub2 := s2.Subscribe()
	defer sub2.Close()

	// 20.2.1.3 User Credentials For Distributed Recovery, 20.2.1.5 Bootstrapping the Group.
	createRecoveryUser := "SET SQL_LOG_BIN=0; CREATE USER rpl_user@'%' IDENTIFIED BY 'password'; " +
		"GRANT REPLICATION SLAVE ON *.* TO rpl_user@'%'; GRANT CONNECTION_ADMIN ON *.* TO rpl_user@'%'; " +
		"GRANT BACKUP_ADMIN ON *.* TO rpl_user@'%'; GRANT GROUP_REPLICATION_STREAM ON *.* TO rpl_user@'%'; " +
		"FLUSH PRIVILEGES; SET SQL_LOG_BIN=1"
	tc.exec(s1, createRecoveryUser)
	if !s1.GTIDExecuted().IsEmpty() {
		t.Fatal("statements with sql_log_bin=0 must not get GTIDs")
	}
	tc.exec(s1, "SET GLOBAL group_replication_bootstrap_group=ON; "+
		"START GROUP_REPLICATION USER='rpl_user', PASSWORD='password'; SET GLOBAL group_replication_bootstrap_group=OFF")
	rows := tc.exec(s1, "SELECT * FROM performance_schema.replication_group_members")[0].Rows
	if len(rows) != 1 || !reflect.DeepEqual(rows[0], []any{"group_replication_applier", s1.UUID(), "127.0.0.2",
		uint64(3306), "ONLINE", "PRIMARY", "8.4.6", "XCom"}) {
		t.Fatalf("after bootstrap: %v", rows)
	}
	tc.exec(s1, "CREATE DATABASE test; USE test; CREATE TABLE t1 (c1 INT PRIMARY KEY, c2 TEXT NOT NULL); "+
		"INSERT INTO t1 VALUES (1, 'Luis')")

	// 20.2.1.6 Adding Instances to the Group.
	for _, m := range []*Member{s2, s3} {
		tc.exec(m, createRecoveryUser)
		tc.exec(m, "START GROUP_REPLICATION USER='rpl_user', PASSWORD='password'")
		tc.waitState(m, StateOnline)
	}
	rows = tc.exec(s3, "SELECT MEMBER_HOST, MEMBER_STATE, MEMBER_ROLE FROM performance_schema.replication_group_members "+
		"ORDER BY MEMBER_HOST")[0].Rows
	want := [][]any{{"127.0.0.2", "ONLINE", "PRIMARY"}, {"127.0.0.3", "ONLINE", "SECONDARY"}, {"127.0.0.4", "ONLINE", "SECONDARY"}}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("group: %v", rows)
	}
	if rows := tc.exec(s3, "SELECT * FROM test.t1")[0].Rows; len(rows) != 1 || rows[0][1] != "Luis" {
		t.Fatalf("data on s3: %v", rows)
	}
	for _, m := range tc.members {
		if got := m.GTIDExecuted().String(); got != testGroupName+":1-6" {
			t.Fatalf("%s gtid_executed %s", m.Name(), got)
		}
	}
	view := s1.ViewID()
	fixed := strings.TrimSuffix(view, ":3")
	if fixed == view || len(fixed) < 16 {
		t.Fatalf("view id %q is not MySQL's fixed:counter form", view)
	}
	checkNotices(t, sub1, []string{
		"MEMBERSHIP_VIEW_CHANGE@" + fixed + ":1", "MEMBER_STATE_CHANGE@" + fixed + ":1", "MEMBER_ROLE_CHANGE@" + fixed + ":1",
		"MEMBERSHIP_VIEW_CHANGE@" + fixed + ":2", "MEMBER_STATE_CHANGE@" + fixed + ":2", "MEMBER_STATE_CHANGE@" + fixed + ":2",
		"MEMBERSHIP_VIEW_CHANGE@" + fixed + ":3", "MEMBER_STATE_CHANGE@" + fixed + ":3", "MEMBER_STATE_CHANGE@" + fixed + ":3",
	})
	checkNotices(t, sub2, []string{
		"MEMBERSHIP_VIEW_CHANGE@" + fixed + ":2", "MEMBER_STATE_CHANGE@" + fixed + ":2", "MEMBER_STATE_CHANGE@" + fixed + ":2",
		"MEMBERSHIP_VIEW_CHANGE@" + fixed + ":3", "MEMBER_STATE_CHANGE@" + fixed + ":3", "MEMBER_STATE_CHANGE@" + fixed + ":3",
	})

	// A switchover and a primary failure produce role changes on every member.
	tc.row(s1, "SELECT group_replication_set_as_primary('"+s2.UUID()+"')")
	if n := waitNotice(t, sub1, NoticeRoleChange); n.ViewID != view {
		t.Fatalf("role change notice %v", n)
	}
	wantCode(t, tc.sqlError(s1, "INSERT INTO test.t1 VALUES (2, 'x')"), 1290, "--super-read-only")
	tc.exec(s2, "INSERT INTO test.t1 VALUES (2, 'Jose')")
	s2.Crash()
	n := waitNotice(t, sub1, NoticeStateChange) // s2 UNREACHABLE
	if n.ViewID != view {
		t.Fatalf("unreachable notice %v", n)
	}
	if n := waitNotice(t, sub1, NoticeViewChange); n.ViewID != fixed+":4" {
		t.Fatalf("expel view %v", n)
	}
	waitNotice(t, sub1, NoticeRoleChange)
	next := s1 // same version and weight: the lowest server_uuid wins
	if s3.UUID() < s1.UUID() {
		next = s3
	}
	tc.waitFor("new primary", func() bool { return next.Role() == RolePrimary })
	tc.exec(next, "INSERT INTO test.t1 VALUES (3, 'Ana')")
}

// checkNotices reads exactly the expected notices, then makes sure nothing else arrives.
func checkNotices(t *testing.T, sub *Subscription, want []string) {
	t.Helper()
	var got []string
	timeout := time.After(5 * time.Second)
	for len(got) < len(want) {
		select {
		case n := <-sub.C:
			got = append(got, n.String())
		case <-timeout:
			t.Fatalf("notices: got %v, want %v", got, want)
		}
	}
	select {
	case n := <-sub.C:
		got = append(got, n.String())
	case <-time.After(50 * time.Millisecond):
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("notices:\n got  %v\n want %v", got, want)
	}
}

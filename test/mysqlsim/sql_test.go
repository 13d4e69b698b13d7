package mysqlsim

import (
	"strings"
	"testing"
)

func TestGTIDSetArithmetic(t *testing.T) {
	a := MustGTIDSet("aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa:1-5:7, bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb:1")
	b := MustGTIDSet("aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa:3-7")
	if got := a.Subtract(b).String(); got != "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa:1-2,\nbbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb:1" {
		t.Fatalf("subtract: %q", got)
	}
	if a.SubsetOf(b) || !b.Subtract(a).Equal(MustGTIDSet("aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa:6")) {
		t.Fatal("subset/subtract wrong")
	}
	if got := a.Union(b).String(); got != "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa:1-7,\nbbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb:1" {
		t.Fatalf("union: %q", got)
	}
	if n := a.NextFree("aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"); n != 6 {
		t.Fatalf("next free: %d", n)
	}
	if _, err := ParseGTIDSet("nope:1"); err == nil {
		t.Fatal("malformed set accepted")
	}
}

// The statements the prober sends, exactly, and the columns Orca reads.
func TestProberStatements(t *testing.T) {
	tc := newCluster(t, 3, "", nil)
	tc.bootstrap()
	m1 := tc.members[0]
	rs := tc.exec(m1, "SELECT MEMBER_ID, MEMBER_HOST, MEMBER_PORT, MEMBER_STATE, MEMBER_ROLE, MEMBER_VERSION "+
		"FROM performance_schema.replication_group_members")
	if len(rs[0].Rows) != 3 || len(rs[0].Columns) != 6 || rs[0].Columns[0].Name != "MEMBER_ID" {
		t.Fatalf("members: %+v", rs[0])
	}
	primaries := 0
	for _, r := range rs[0].Rows {
		if r[3] != "ONLINE" || r[2] != uint64(3306) || r[5] != "8.4.6" {
			t.Fatalf("row %v", r)
		}
		if r[4] == "PRIMARY" {
			primaries++
		}
	}
	view := tc.row(m1, "SELECT VIEW_ID FROM performance_schema.replication_group_member_stats WHERE MEMBER_ID = @@server_uuid")
	if view[0] != m1.ViewID() || !strings.HasSuffix(m1.ViewID(), ":3") {
		t.Fatalf("view id %v, member says %s", view[0], m1.ViewID())
	}
	r := tc.row(tc.members[1], "SELECT @@server_uuid, @@gtid_executed, @@super_read_only, @@version")
	if r[0] != tc.members[1].UUID() || r[1] != testGroupName+":1-3" || r[2] != int64(1) || r[3] != "8.4.6" {
		t.Fatalf("secondary vars: %v", r)
	}
	if r := tc.row(m1, "SELECT @@super_read_only"); r[0] != int64(0) {
		t.Fatalf("primary super_read_only %v", r)
	}
	rs = tc.exec(m1, "SELECT member_id, @@group_replication_single_primary_mode AS spm FROM "+
		"performance_schema.replication_group_members WHERE CHANNEL_NAME = 'group_replication_applier'")
	if len(rs[0].Rows) != 3 || rs[0].Rows[0][1] != int64(1) || rs[0].Columns[1].Name != "spm" {
		t.Fatalf("router-style query: %+v", rs[0])
	}
	if primaries != 1 {
		t.Fatalf("want one primary, got %d", primaries)
	}
}

func TestSyntaxAndVariableErrors(t *testing.T) {
	tc := newCluster(t, 1, "", nil)
	m := tc.members[0]
	cases := []struct {
		sql      string
		code     uint16
		contains string
	}{
		{"SELECT @@group_replication_member_wieght", 1193, "Unknown system variable 'group_replication_member_wieght'"},
		{"SET GLOBAL group_replication_consistancy = 'EVENTUAL'", 1193, "Unknown system variable"},
		{"SET GLOBAL binlog_transaction_dependency_tracking = 'WRITESET'", 1193, "binlog_transaction_dependency_tracking"},
		{"SET super_read_only = 1", 1229, "is a GLOBAL variable and should be set with SET GLOBAL"},
		{"SET GLOBAL sql_log_bin = 0", 1228, "is a SESSION variable"},
		{"SELECT @@session.super_read_only", 1238, "Variable 'super_read_only' is a GLOBAL variable"},
		{"SET GLOBAL server_uuid = 'x'", 1238, "is a read only variable"},
		{"SET PERSIST_ONLY version = 'x'", 1238, "non persistent read only variable"},
		{"SET GLOBAL super_read_only = 'maybe'", 1231, "can't be set to the value of 'maybe'"},
		{"SET GLOBAL group_replication_member_weight = 'heavy'", 1232, "Incorrect argument type"},
		{"START GROUP_REPLICATON", 1064, "near 'GROUP_REPLICATON' at line 1"},
		//nolint:misspell // a deliberate typo: the parser must reject a misspelled START
		{"STRAT GROUP_REPLICATION", 1064, "near 'STRAT GROUP_REPLICATION' at line 1"},
		{"START GROUP_REPLICATION USER='rpl', PASWORD='x'", 1064, "near 'PASWORD='x'' at line 1"},
		{"START GROUP_REPLICATION PASSWORD='x'", 3971, "USER option"},
		{"SHOW MASTER STATUS", 1064, "MySQL server version"},
		{"CHANGE MASTER TO MASTER_USER='x' FOR CHANNEL 'group_replication_recovery'", 1064, "near 'MASTER TO"},
		{"RESET MASTER", 1064, "near 'MASTER'"},
		{"SELECT group_replication_set_as_primery('00000001-0000-4000-8000-000000000000')", 1305,
			"FUNCTION group_replication_set_as_primery does not exist"},
		{"SELECT group_replication_set_as_primary('00000001-0000-4000-8000-000000000000')", 1123,
			"Member must be ONLINE and in the majority partition."},
		{"SET GLOBAL gtid_mode = OFF", 1788, "one step at a time"},
		{"SELECT MEMBER_ID FROM performance_schema.replication_group_memebers", 1146, "doesn't exist"},
		{"SELECT MEMBER_IDD FROM performance_schema.replication_group_members", 1054, "Unknown column 'member_idd'"},
		{"CLONE INSTANCE FROM 'u'@'127.0.0.9':3306 IDENTIFIED BY 'p'", 3869,
			"127.0.0.9:3306 is not found in clone_valid_donor_list"},
		{"START GROUP_REPLICATION", 3092, "not configured properly"},
	}
	tc.exec(m, "SET GLOBAL group_replication_group_seeds = ''")
	for _, c := range cases {
		t.Run(c.sql, func(t *testing.T) {
			wantCode(t, tc.sqlError(m, c.sql), c.code, c.contains)
		})
	}
	if !logContains(m, "Error connecting to all peers") {
		t.Fatal("join failure not in the error log")
	}
}

func TestVariablesPersistAcrossRestart(t *testing.T) {
	tc := newCluster(t, 1, "", nil)
	m := tc.members[0]
	tc.exec(m, "SET PERSIST group_replication_member_weight = 80; SET PERSIST_ONLY group_replication_autorejoin_tries = 7")
	if r := tc.row(m, "SELECT @@group_replication_member_weight, @@global.group_replication_autorejoin_tries"); r[0] != uint64(80) || r[1] != uint64(3) {
		t.Fatalf("before restart: %v", r)
	}
	rs := tc.exec(m, "SET GLOBAL group_replication_member_weight = 500")
	if rs[0].Warnings != 1 {
		t.Fatal("clamping must warn")
	}
	if err := m.Restart(); err != nil {
		t.Fatal(err)
	}
	if r := tc.row(m, "SELECT @@group_replication_member_weight, @@group_replication_autorejoin_tries"); r[0] != uint64(80) || r[1] != uint64(7) {
		t.Fatalf("after restart: %v", r)
	}
	rs = tc.exec(m, "SELECT VARIABLE_NAME, VARIABLE_VALUE FROM performance_schema.persisted_variables")
	if len(rs[0].Rows) != 2 {
		t.Fatalf("persisted: %v", rs[0].Rows)
	}
	tc.exec(m, "SET GLOBAL super_read_only = ON")
	if v, _ := m.Var("read_only"); v != "ON" {
		t.Fatal("super_read_only must turn read_only on")
	}
	if _, err := m.g.AddMember(MemberConfig{Name: "bad", Options: map[string]string{"group_replication_consistancy": "x"}}); err == nil {
		t.Fatal("unknown my.cnf option accepted")
	}
}

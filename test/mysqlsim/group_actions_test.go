package mysqlsim

import (
	"testing"
)

// Manual 20.5.1.1 "Changing the Primary": group_replication_set_as_primary(uuid[,
// running_transactions_timeout]) appoints only a member that runs the lowest MySQL version of the
// group; the timeout is an integer in 0..3600.
func TestSetAsPrimaryWantsTheLowestVersionAndAValidTimeout(t *testing.T) {
	versions := []string{"8.4.5", "8.4.5", "8.4.6"}
	tc := newCluster(t, 3, "", func(i int, c *MemberConfig) { c.Version = versions[i] })
	tc.bootstrap()
	m1, m2, m3 := tc.members[0], tc.members[1], tc.members[2]
	call := func(args string) string { return "SELECT group_replication_set_as_primary(" + args + ")" }
	wantCode(t, tc.sqlError(m1, call("'"+m3.UUID()+"'")), 3910, "The function 'group_replication_set_as_primary' "+
		"failed. The appointed primary member has a version that is greater than the one of some of the members in "+
		"the group.")
	wantCode(t, tc.sqlError(m1, call("'"+m2.UUID()+"', 3601")), 3910,
		"The function 'group_replication_set_as_primary' failed. Valid range for running_transactions_timeout is 0 "+
			"to 3600.")
	wantCode(t, tc.sqlError(m1, call("'"+m2.UUID()+"', -1")), 3910, "Valid range for running_transactions_timeout")
	wantCode(t, tc.sqlError(m1, call("'"+m2.UUID()+"', 'ten'")), 1123,
		"Second parameter `running_transactions_timeout` must be type integer between 0 - 3600 (seconds).")
	wantCode(t, tc.sqlError(m1, call("'"+m2.UUID()+"', 1, 2")), 1123, "UDF accepts maximum of 2 parameters.")
	if r := tc.row(m1, call("'"+m2.UUID()+"', 0")); r[0] != "Primary server switched to: "+m2.UUID() {
		t.Fatalf("switchover: %v", r)
	}
	tc.row(m1, "SELECT group_replication_switch_to_multi_primary_mode()")
	wantCode(t, tc.sqlError(m1, "SELECT group_replication_switch_to_single_primary_mode('"+m3.UUID()+"')"), 3910,
		"The function 'group_replication_switch_to_single_primary_mode' failed. The appointed primary member has a "+
			"version that is greater")
}

// 8.4.0 release notes: group_replication_exit_state_action defaults to OFFLINE_MODE (READ_ONLY
// before); group_replication_consistency to BEFORE_ON_PRIMARY_FAILOVER.
func TestDefaultsChangedIn84(t *testing.T) {
	tc := newCluster(t, 3, "", nil)
	tc.bootstrap()
	m2 := tc.members[1]
	if r := tc.row(m2, "SELECT @@group_replication_exit_state_action, @@group_replication_consistency"); r[0] !=
		"OFFLINE_MODE" || r[1] != "BEFORE_ON_PRIMARY_FAILOVER" {
		t.Fatalf("defaults: %v", r)
	}
	if err := m2.InjectError(""); err != nil {
		t.Fatal(err)
	}
	if v, _ := m2.Var("offline_mode"); v != "ON" {
		t.Fatal("the default exit state action must set offline_mode")
	}
}

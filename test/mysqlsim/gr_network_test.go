package mysqlsim

import (
	"fmt"
	"strings"
	"testing"
)

const createRplUser = "SET SQL_LOG_BIN=0; CREATE USER rpl_user@'%' IDENTIFIED BY 'password'; " +
	"GRANT REPLICATION SLAVE, BACKUP_ADMIN, GROUP_REPLICATION_STREAM ON *.* TO rpl_user@'%'; SET SQL_LOG_BIN=1"

const startWithCreds = "START GROUP_REPLICATION USER='rpl_user', PASSWORD='password'"

func bootstrapOnly(tc *testCluster, m *Member) {
	tc.t.Helper()
	tc.exec(m, "SET GLOBAL group_replication_bootstrap_group=ON; "+startWithCreds+
		"; SET GLOBAL group_replication_bootstrap_group=OFF")
}

// podNetwork gives member i the pod IP 10.1.0.(i+2) and, when subnet is set, that interface subnet.
func podNetwork(subnet string) func(i int, c *MemberConfig) {
	return func(i int, c *MemberConfig) {
		c.NetworkAddress = fmt.Sprintf("10.1.0.%d", i+2)
		if subnet != "" {
			c.Subnets = []string{subnet}
		}
	}
}

// Manual 20.6.4 "Group Replication IP Address Permissions": with XCom, AUTOMATIC admits loopback and
// the private subnets of the member's own interfaces. A pod's interface is a /32 on Calico or
// Cilium, so the seed refuses the joiner and START fails as when no seed answers.
func TestAutomaticAllowlistAdmitsOnlyTheInterfaceSubnets(t *testing.T) {
	tc := newCluster(t, 2, "", podNetwork(""))
	m1, m2 := tc.members[0], tc.members[1]
	for _, m := range tc.members {
		tc.exec(m, createRplUser)
	}
	bootstrapOnly(tc, m1)
	wantCode(t, tc.sqlError(m2, startWithCreds), 3092, "not configured properly")
	if !logContains(m1, "[Warning] [MY-011735] [Repl] Plugin group_replication reported: '[GCS] Connection attempt "+
		"from IP address 10.1.0.3 refused. Address is not in the IP allowlist.'") {
		t.Fatal("the seed did not log the refusal")
	}
	if !logContains(m2, "[GCS] Error connecting to all peers. Member join failed.") {
		t.Fatal("the joiner did not log the failed join")
	}

	// On flannel a pod's interface is the node's pod /24: AUTOMATIC admits the other pods on it.
	tc = newCluster(t, 3, "", podNetwork("10.1.0.0/24"))
	tc.bootstrap()
}

// An explicit allowlist is its entries (addresses, CIDRs, host names) plus localhost; every member
// of the group must admit the joiner, not only the seed.
func TestExplicitAllowlist(t *testing.T) {
	tc := newCluster(t, 3, "", func(i int, c *MemberConfig) {
		podNetwork("")(i, c)
		c.Options["group_replication_ip_allowlist"] = "10.1.0.0/24"
		c.Options["report_host"] = fmt.Sprintf("db-%d.example", i)
	})
	tc.bootstrap()
	m1, m3 := tc.members[0], tc.members[2]
	tc.exec(m3, "STOP GROUP_REPLICATION")
	tc.exec(m1, "SET GLOBAL group_replication_ip_allowlist = '192.168.0.0/16, db-1.example'")
	wantCode(t, tc.sqlError(m3, startWithCreds), 3092, "not configured properly")
	if !logContains(m1, "Connection attempt from IP address 10.1.0.4 refused.") {
		t.Fatal("m1 did not refuse m3")
	}
	tc.exec(m1, "SET GLOBAL group_replication_ip_allowlist = '192.168.0.0/16,db-2.example'")
	tc.exec(m3, startWithCreds)
	tc.waitState(m3, StateOnline)

	tc.exec(m3, "STOP GROUP_REPLICATION; SET GLOBAL group_replication_ip_allowlist = '10.1.0.0/99'")
	wantCode(t, tc.sqlError(m3, startWithCreds), 3092, "not configured properly")
	if !logContains(m3, "[GCS] Invalid IP or subnet mask in the allowlist: 10.1.0.0/99") {
		t.Fatal("invalid allowlist not logged")
	}
}

// mysqlStack is the my.cnf of a group on the MySQL communication stack: local address and seeds on
// the SQL port.
func mysqlStack(i int, c *MemberConfig) {
	c.Options["group_replication_communication_stack"] = "MYSQL"
	c.Options["group_replication_local_address"] = fmt.Sprintf("127.0.0.%d:3306", i+2)
	c.Options["group_replication_group_seeds"] = "127.0.0.2:3306,127.0.0.3:3306,127.0.0.4:3306"
}

// Manual 20.6.1 "Communication Stack for Connection Security Management": with the MySQL stack the
// allowlist is ignored and group connections are MySQL connections on the SQL port, authenticated
// with the recovery credentials, which need GROUP_REPLICATION_STREAM.
func TestMySQLStackConnectsWithTheRecoveryAccount(t *testing.T) {
	tc := newCluster(t, 3, "", func(i int, c *MemberConfig) {
		podNetwork("")(i, c) // /32 interfaces: XCom's AUTOMATIC allowlist would refuse every peer
		mysqlStack(i, c)
	})
	tc.bootstrap()
	m1, m3 := tc.members[0], tc.members[2]
	if r := tc.row(m1, "SELECT MEMBER_COMMUNICATION_STACK FROM performance_schema.replication_group_members "+
		"WHERE MEMBER_ID = @@server_uuid"); r[0] != "MySQL" {
		t.Fatalf("stack %v", r)
	}
	wantCode(t, tc.sqlError(m1, "SET GLOBAL group_replication_communication_stack = 'XCOM'"), 3093, "")

	// The joiner's own account lacks GROUP_REPLICATION_STREAM: its group communication cannot even
	// reach itself, so START waits for the view timeout and fails.
	tc.exec(m3, "STOP GROUP_REPLICATION; SET GLOBAL super_read_only = OFF; SET SQL_LOG_BIN=0; "+
		"REVOKE GROUP_REPLICATION_STREAM ON *.* FROM rpl_user@'%'; SET SQL_LOG_BIN=1")
	wantCode(t, tc.sqlError(m3, startWithCreds), 3092, "not configured properly")
	for _, text := range []string{"[MY-013780] [Repl] Plugin group_replication reported: 'Failed to establish MySQL " +
		"client connection in Group Replication.", "GROUP_REPLICATION_STREAM privilege",
		"failed to test connectivity to the local group communication engine on 127.0.0.4:3306",
		"Timeout on wait for view after joining group"} {
		if !logContains(m3, text) {
			t.Fatalf("m3's log lacks %q", text)
		}
	}
}

// A fresh server that never got the recovery account cannot be joined with the MySQL stack: the
// members' connections to it fail (and its own test of itself).
func TestMySQLStackJoinerWithoutTheAccount(t *testing.T) {
	tc := newCluster(t, 3, "", mysqlStack)
	m1, m2, m3 := tc.members[0], tc.members[1], tc.members[2]
	tc.exec(m1, createRplUser)
	tc.exec(m2, createRplUser)
	bootstrapOnly(tc, m1)
	tc.exec(m2, startWithCreds)
	tc.waitState(m2, StateOnline)
	wantCode(t, tc.sqlError(m3, startWithCreds), 3092, "not configured properly")
	if !logContains(m3, "Access denied for user 'rpl_user'@'127.0.0.4'") {
		t.Fatal("m3's log does not say why")
	}
	if len(m1.GroupMembers()) != 2 {
		t.Fatal("m3 joined")
	}
}

// The MySQL stack's local address must be a port the server accepts MySQL connections on (port, or
// admin_port when admin_address is set); the stack must be the same on every member.
func TestMySQLStackLocalAddressAndStackMismatch(t *testing.T) {
	tc := newCluster(t, 3, "", func(i int, c *MemberConfig) {
		mysqlStack(i, c)
		if i == 1 {
			c.Options["admin_address"] = "127.0.0.3"
			c.Options["group_replication_local_address"] = "127.0.0.3:33062"
			c.Options["group_replication_group_seeds"] = "127.0.0.2:3306"
		}
		if i == 2 { // XCom, pointed at the group's MySQL-stack addresses
			c.Options["group_replication_communication_stack"] = "XCOM"
			c.Options["group_replication_local_address"] = "127.0.0.4:33061"
			c.Options["group_replication_group_seeds"] = "127.0.0.2:3306"
		}
	})
	m1, m2, m3 := tc.members[0], tc.members[1], tc.members[2]
	for _, m := range tc.members {
		tc.exec(m, createRplUser)
	}
	tc.exec(m1, "SET GLOBAL group_replication_local_address = '127.0.0.2:33061'")
	wantCode(t, tc.sqlError(m1, "SET GLOBAL group_replication_bootstrap_group=ON; "+startWithCreds), 3092, "")
	if !logContains(m1, "failed to test connectivity to the local group communication engine on 127.0.0.2:33061") {
		t.Fatal("a local address off the SQL ports was accepted")
	}
	tc.exec(m1, "SET GLOBAL group_replication_local_address = '127.0.0.2:3306'; "+startWithCreds+
		"; SET GLOBAL group_replication_bootstrap_group=OFF")
	tc.exec(m2, startWithCreds) // admin_port 33062 with admin_address set
	tc.waitState(m2, StateOnline)
	wantCode(t, tc.sqlError(m3, startWithCreds), 3092, "")
	if !logContains(m3, "[GCS] Error on opening a connection to peer node 127.0.0.2:3306 when joining a group.") ||
		strings.Contains(fmt.Sprint(m1.GroupMembers()), m3.UUID()) {
		t.Fatal("an XCom member joined a MySQL-stack group")
	}
}

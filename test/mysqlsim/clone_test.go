package mysqlsim

import (
	"context"
	"errors"
	"testing"
	"time"
)

func cloneDonorSetup(tc *testCluster, donor, recipient *Member) {
	tc.t.Helper()
	tc.exec(donor, "CREATE USER IF NOT EXISTS donor@'%' IDENTIFIED BY 'pw'; GRANT BACKUP_ADMIN ON *.* TO donor@'%'")
	tc.exec(recipient, "SET GLOBAL clone_valid_donor_list = '"+donor.Host()+":3306'")
}

func cloneStatusRow(tc *testCluster, m *Member) []any {
	tc.t.Helper()
	return tc.row(m, "SELECT STATE, ERROR_NO, ERROR_MESSAGE, SOURCE FROM performance_schema.clone_status")
}

// Manual 7.6.7.14 "Clone Plugin Limitations": since 8.0.37 the donor and the recipient need the same
// release series, not the same point release; across series clone fails with ER 3864.
func TestCloneWithinAReleaseSeries(t *testing.T) {
	versions := []string{"8.4.3", "8.4.6", "8.0.41"}
	tc := newCluster(t, 3, "", func(i int, c *MemberConfig) { c.Version = versions[i] })
	m1, m2, m3 := tc.members[0], tc.members[1], tc.members[2]
	cloneDonorSetup(tc, m1, m2)
	cloneDonorSetup(tc, m1, m3)
	wantCode(t, tc.sqlError(m3, "CLONE INSTANCE FROM 'donor'@'127.0.0.2':3306 IDENTIFIED BY 'pw'"), 3864,
		"Clone Donor MySQL version: 8.4.3 is different from Recipient MySQL version 8.0.41.")
	inc := m2.Incarnation()
	tc.exec(m2, "CLONE INSTANCE FROM 'donor'@'127.0.0.2':3306 IDENTIFIED BY 'pw' REQUIRE SSL")
	tc.waitFor("restart after clone", func() bool { return m2.Incarnation() > inc && m2.Up() })
	if !m2.GTIDExecuted().Equal(m1.GTIDExecuted()) || m2.Version() != "8.4.6" {
		t.Fatalf("after clone: %s (8.4.6 keeps its binary)", m2.GTIDExecuted())
	}
}

// The server clones on when the client's statement context ends (manual 7.6.7.10 "Monitoring Cloning
// Operations"): clone_status says In Progress meanwhile, a second CLONE fails with ER 3634, and the
// Completed row is still there after the restart the clone causes.
func TestCloneGoesOnWithoutItsClient(t *testing.T) {
	// The clone lasts 0.5 s of real time, so the client's 1 ms surely ends first however loaded the machine is
	// (with the default 6 ms a late timer let the clone finish before the client noticed its deadline).
	tc := newClusterWith(t, 2, Config{Second: testSecond, CloneSeconds: 250}, nil)
	m1, m2 := tc.members[0], tc.members[1]
	cloneDonorSetup(tc, m1, m2)
	s := tc.session(m2)
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	inc := m2.Incarnation()
	_, err := m2.Exec(ctx, s, "CLONE INSTANCE FROM 'donor'@'127.0.0.2':3306 IDENTIFIED BY 'pw'")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("CLONE with a 1ms client: %v", err)
	}
	if r := cloneStatusRow(tc, m2); r[0] != "In Progress" || r[3] != "127.0.0.2:3306" {
		t.Fatalf("clone_status while cloning: %v", r)
	}
	wantCode(t, tc.sqlError(m2, "CLONE INSTANCE FROM 'donor'@'127.0.0.2':3306 IDENTIFIED BY 'pw'"), 3634,
		"Too many concurrent clone operations. Maximum allowed - 1.")
	tc.waitFor("restart after clone", func() bool { return m2.Incarnation() > inc && m2.Up() })
	if r := cloneStatusRow(tc, m2); r[0] != "Completed" || r[1] != int64(0) {
		t.Fatalf("clone_status after the restart: %v", r)
	}
	if _, ok := m2.LookupAccount("donor", "x"); !ok {
		t.Fatal("the clone did not finish")
	}
}

// A clone that fails leaves a Failed row with its error.
func TestFailedCloneIsInCloneStatus(t *testing.T) {
	tc := newCluster(t, 2, "", nil)
	m1, m2 := tc.members[0], tc.members[1]
	cloneDonorSetup(tc, m1, m2)
	wantCode(t, tc.sqlError(m2, "CLONE INSTANCE FROM 'donor'@'127.0.0.2':3306 IDENTIFIED BY 'bad'"), 3862,
		"Access denied for user 'donor'@'127.0.0.3'")
	r := cloneStatusRow(tc, m2)
	if r[0] != "Failed" || r[1] != int64(3862) || r[2] == "" {
		t.Fatalf("clone_status: %v", r)
	}
}

package mysqlsim

import "testing"

// SHUTDOWN stops mysqld and says so in the error log, as mysqld does: a supervisor tells a clean stop from a
// crash by it.
func TestShutdownStatementLogsACleanStop(t *testing.T) {
	tc := newCluster(t, 1, "", nil)
	m := tc.members[0]
	tc.exec(m, "SHUTDOWN")
	if m.Up() {
		t.Fatal("mysqld still up after SHUTDOWN")
	}
	seen := map[string]bool{}
	for _, e := range m.ErrorLog() {
		seen[e.ErrorCode] = true
	}
	if !seen["MY-013172"] || !seen["MY-010910"] {
		t.Fatalf("the error log does not record the clean stop: %v", m.ErrorLog())
	}
}

package mysqlsim

import (
	"context"
	"errors"
	"testing"
)

func autorejoinThreads(tc *testCluster, m *Member) int64 {
	tc.t.Helper()
	r := tc.row(m, "SELECT COUNT(*) FROM performance_schema.threads WHERE NAME = 'thread/group_rpl/THD_autorejoin'")
	return r[0].(int64)
}

// Manual 20.7.7.3 "Auto-Rejoin": while the procedure runs (attempts and the 5 minutes between them)
// the member is ERROR and performance_schema.threads has thread/group_rpl/THD_autorejoin; START
// fails (3093, Group Replication runs) and STOP ends the procedure.
func TestAutoRejoinIsVisibleAndStopEndsIt(t *testing.T) {
	tc := newCluster(t, 3, "", nil)
	tc.bootstrap()
	m3 := tc.members[2]
	if n := autorejoinThreads(tc, m3); n != 0 {
		t.Fatalf("auto-rejoin thread before any failure: %d", n)
	}
	tc.exec(m3, "SET GLOBAL group_replication_unreachable_majority_timeout = 2")
	m3.Isolate() // it leaves after 2 s without a majority; its rejoin attempts find no seed
	tc.waitFor("auto-rejoin", func() bool { return logContains(m3, "Started auto-rejoin procedure attempt 1 of 3") })
	if n := autorejoinThreads(tc, m3); n != 1 || m3.State() != StateError {
		t.Fatalf("while rejoining: %d threads, state %s", n, m3.State())
	}
	if r := tc.row(m3, "SELECT THREAD_ID, NAME, TYPE, PROCESSLIST_ID FROM performance_schema.threads "+
		"WHERE NAME = 'thread/group_rpl/THD_autorejoin'"); r[2] != "BACKGROUND" || r[3] != nil {
		t.Fatalf("thread row %v", r)
	}
	wantCode(t, tc.sqlError(m3, "START GROUP_REPLICATION"), 3093, "already running")
	tc.exec(m3, "STOP GROUP_REPLICATION")
	if n := autorejoinThreads(tc, m3); n != 0 || m3.State() != StateOffline {
		t.Fatalf("after STOP: %d threads, state %s", n, m3.State())
	}
}

// Manual 20.7.7.4 (the "Important" note): a member boots with super_read_only from my.cnf and
// mysqld-auto.cnf, so a restarted primary is writable unless SET PERSIST super_read_only=ON was run;
// SET PERSIST_ONLY changes only the next boot.
func TestRestartedPrimaryIsWritableUnlessPersisted(t *testing.T) {
	tc := newCluster(t, 3, "", nil)
	tc.bootstrap()
	m1, m2 := tc.members[0], tc.members[1]
	if err := m1.Restart(); err != nil {
		t.Fatal(err)
	}
	if r := tc.row(m1, "SELECT @@super_read_only, @@read_only"); r[0] != int64(0) || r[1] != int64(0) {
		t.Fatalf("restarted primary: %v (my.cnf says nothing: writable)", r)
	}
	tc.exec(m1, "CREATE USER written_outside_the_group@'%'")
	if !m1.GTIDExecuted().Contains(m1.UUID(), 1) {
		t.Fatal("a write on the restarted, writable member must get its own uuid")
	}
	tc.waitFor("m2 primary", func() bool { return m2.Role() == RolePrimary || tc.members[2].Role() == RolePrimary })
	p := m2
	if tc.members[2].Role() == RolePrimary {
		p = tc.members[2]
	}
	tc.exec(p, "SET PERSIST_ONLY super_read_only = ON")
	if r := tc.row(p, "SELECT @@super_read_only"); r[0] != int64(0) {
		t.Fatal("PERSIST_ONLY changed the running primary")
	}
	if err := p.Restart(); err != nil {
		t.Fatal(err)
	}
	if r := tc.row(p, "SELECT @@super_read_only, @@read_only"); r[0] != int64(1) || r[1] != int64(1) {
		t.Fatalf("after the restart: %v", r)
	}
}

// A START that fails restores the read mode Group Replication found (plugin.cc restores it on
// every start error): a member booted writable stays writable.
func TestFailedStartRestoresTheReadMode(t *testing.T) {
	tc := newCluster(t, 3, "", nil)
	tc.bootstrap()
	m3 := tc.members[2]
	tc.exec(m3, "STOP GROUP_REPLICATION; SET GLOBAL super_read_only = OFF; CREATE USER errant@'%'")
	wantCode(t, tc.sqlError(m3, "START GROUP_REPLICATION USER='rpl_user', PASSWORD='password'"), 3092, "")
	if r := tc.row(m3, "SELECT @@super_read_only"); r[0] != int64(0) {
		t.Fatalf("after the failed START: %v", r)
	}
}

// Manual 20.7.7.4: offline_mode set by the OFFLINE_MODE exit action is runtime only and nothing in
// Group Replication clears it; meanwhile accounts without CONNECTION_ADMIN are refused (3032) and
// their sessions killed.
func TestOfflineModeStaysUntilSomeoneClearsIt(t *testing.T) {
	tc := newCluster(t, 3, "", nil)
	tc.bootstrap()
	m1, m2 := tc.members[0], tc.members[1]
	tc.exec(m1, "CREATE USER app@'%' IDENTIFIED BY 'x'; GRANT SELECT ON *.* TO app@'%'")
	app, err := m2.NewSession("app", "10.0.0.9")
	if err != nil {
		t.Fatal(err)
	}
	if err := m2.InjectError(""); err != nil { // exit state action: OFFLINE_MODE, the 8.4 default
		t.Fatal(err)
	}
	if _, err := m2.Exec(context.Background(), app, "SELECT @@version"); !errors.Is(err, ErrSessionClosed) {
		t.Fatalf("unprivileged session after offline_mode: %v", err)
	}
	var se *Error
	if _, err := m2.NewSession("app", "10.0.0.9"); !errors.As(err, &se) || se.Code != 3032 {
		t.Fatalf("new unprivileged connection: %v", err)
	}
	tc.exec(m2, "STOP GROUP_REPLICATION; START GROUP_REPLICATION USER='rpl_user', PASSWORD='password'")
	tc.waitState(m2, StateOnline)
	if v, _ := m2.Var("offline_mode"); v != "ON" {
		t.Fatal("rejoining must not clear offline_mode")
	}
	if err := m2.Restart(); err != nil {
		t.Fatal(err)
	}
	if v, _ := m2.Var("offline_mode"); v != "OFF" {
		t.Fatal("offline_mode is not persisted")
	}
}

package mysqlsim

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func stateSeenBy(m *Member, uuid string) MemberState {
	for _, r := range m.GroupMembers() {
		if r.UUID == uuid {
			return r.State
		}
	}
	return ""
}

func countLog(m *Member, text string) int {
	n := 0
	for _, l := range m.ErrorLog() {
		if strings.Contains(l.String(), text) {
			n++
		}
	}
	return n
}

// Manual 20.7.7.1 "Expel Timeout": each member suspects each other member on its own, 5 s after it
// last heard from it, and expels it member_expel_timeout (5 s) after that. A later, unrelated
// failure does not move the clock of an earlier one.
func TestSuspicionsArePerMember(t *testing.T) {
	tc := newFakeClockCluster(t, 5, nil)
	tc.bootstrap()
	m1, m4, m5 := tc.members[0], tc.members[3], tc.members[4]
	m5.Crash() // t=0
	tc.tick(3)
	m4.Isolate() // t=3, unrelated
	tc.tick(2)   // t=5
	if st := stateSeenBy(m1, m5.UUID()); st != StateUnreachable {
		t.Fatalf("t=5: m1 sees m5 %s, want UNREACHABLE (the detection period started at the crash)", st)
	}
	if st := stateSeenBy(m1, m4.UUID()); st != StateOnline {
		t.Fatalf("t=5: m1 sees m4 %s, want ONLINE (silent for 2 s only)", st)
	}
	tc.tick(4.9)
	if len(m1.GroupMembers()) != 5 {
		t.Fatal("m5 expelled before its expel timeout ended")
	}
	tc.tick(0.1) // t=10
	if st := stateSeenBy(m1, m5.UUID()); st != "" || len(m1.GroupMembers()) != 4 {
		t.Fatalf("t=10: m5 still in the view: %+v", m1.GroupMembers())
	}
	if st := stateSeenBy(m1, m4.UUID()); st != StateUnreachable {
		t.Fatalf("t=10: m4 %s, want UNREACHABLE since t=8", st)
	}
	tc.tick(2.9)
	if len(m1.GroupMembers()) != 4 {
		t.Fatal("m4 expelled before t=13")
	}
	tc.tick(0.1) // t=13
	if len(m1.GroupMembers()) != 3 {
		t.Fatalf("t=13: m4 not expelled: %+v", m1.GroupMembers())
	}
}

// While a member of the view is suspected the membership cannot change except by that expel: a
// joiner's attempts are refused and it joins after the expel, at its next attempt.
func TestJoinWaitsWhileASuspicionIsPending(t *testing.T) {
	tc := newFakeClockCluster(t, 4, nil)
	tc.members = tc.members[:3]
	tc.bootstrap()
	m1, m3, m4 := tc.members[0], tc.members[2], tc.g.Member("m4")
	tc.exec(m4, "SET SQL_LOG_BIN=0; CREATE USER rpl_user@'%' IDENTIFIED BY 'password'; "+
		"GRANT REPLICATION SLAVE, BACKUP_ADMIN ON *.* TO rpl_user@'%'; SET SQL_LOG_BIN=1")
	m3.Crash()
	tc.tick(5)
	if stateSeenBy(m1, m3.UUID()) != StateUnreachable {
		t.Fatal("m3 not suspected")
	}
	done := make(chan error, 1)
	go func() {
		s, _ := m4.RootSession()
		_, err := m4.Exec(context.Background(), s, "START GROUP_REPLICATION USER='rpl_user', PASSWORD='password'")
		done <- err
	}()
	tc.waitFor("m4's first attempt", func() bool { return logContains(m4, "not ready for the member to join") })
	if len(m1.GroupMembers()) != 3 || stateSeenBy(m1, m4.UUID()) != "" {
		t.Fatalf("m4 joined while m3 was suspected: %+v", m1.GroupMembers())
	}
	tc.tick(5) // t=10: m3 expelled; m4's next attempt joins
	if err := <-done; err != nil {
		t.Fatalf("START after the expel: %v", err)
	}
	if stateSeenBy(m1, m3.UUID()) != "" || stateSeenBy(m1, m4.UUID()) != StateRecovering {
		t.Fatalf("view after the expel: %+v", m1.GroupMembers())
	}
}

// A restarted server whose old incarnation is still in the view is refused ("Old incarnation found
// ...", logged by the seed) and retries; it joins once the old incarnation is expelled.
func TestOldIncarnationIsRefusedUntilExpelled(t *testing.T) {
	tc := newFakeClockCluster(t, 3, nil)
	tc.bootstrap()
	m1, m3 := tc.members[0], tc.members[2]
	tc.exec(m3, "SET PERSIST group_replication_start_on_boot = ON; CHANGE REPLICATION SOURCE TO "+
		"SOURCE_USER='rpl_user', SOURCE_PASSWORD='password' FOR CHANNEL 'group_replication_recovery'")
	if err := m3.Restart(); err != nil { // crash and boot at once: start_on_boot joins in the background
		t.Fatal(err)
	}
	if !logContains(m1, "[GCS] Old incarnation found while trying to add node 127.0.0.4:33061 ") ||
		!logContains(m1, "Please stop the old node or wait for it to leave the group.") {
		t.Fatal("the seed did not log the old incarnation")
	}
	if m3.ViewID() != "" || len(m1.GroupMembers()) != 3 {
		t.Fatal("the old incarnation was replaced instead of refused")
	}
	tc.tick(10) // detection + expel of the old incarnation, then the attempt at t=10
	tc.tick(1)  // recovery
	tc.waitState(m3, StateOnline)
	if n := countLog(m3, "The group communication engine is not ready for the member to join"); n < 2 {
		t.Fatalf("want the refused attempts in m3's log, got %d", n)
	}
}

// The joiner makes 10 attempts 5 s apart; when the old incarnation stays (a long expel timeout),
// START fails with ER 3092 after the view timeout and the error log says why.
func TestOldIncarnationStartFailsAfterTheJoinAttempts(t *testing.T) {
	tc := newCluster(t, 3, "", nil)
	tc.bootstrap()
	m1, m2, m3 := tc.members[0], tc.members[1], tc.members[2]
	for _, m := range []*Member{m1, m2} {
		tc.exec(m, "SET GLOBAL group_replication_member_expel_timeout = 3600")
	}
	if err := m3.Restart(); err != nil {
		t.Fatal(err)
	}
	wantCode(t, tc.sqlError(m3, "START GROUP_REPLICATION USER='rpl_user', PASSWORD='password'"), 3092,
		"not configured properly")
	if n := countLog(m3, "The group communication engine is not ready for the member to join"); n != 10 {
		t.Fatalf("join attempts: %d, want 10", n)
	}
	for _, text := range []string{"[GCS] The member was unable to join the group. Local port: 33061",
		"Timeout on wait for view after joining group"} {
		if !logContains(m3, text) {
			t.Fatalf("error log lacks %q", text)
		}
	}
	if !logContains(m1, "Old incarnation found") && !logContains(m2, "Old incarnation found") {
		t.Fatal("no seed logged the old incarnation")
	}
	if v, _ := m3.Var("super_read_only"); v != "OFF" {
		t.Fatalf("a failed START must restore super_read_only (was OFF at boot), got %s", v)
	}
}

// A client that gives up on a blocking START gets its context's error; the server goes on.
func TestStartOutlivesItsClient(t *testing.T) {
	tc := newCluster(t, 3, "", nil)
	tc.bootstrap()
	m3 := tc.members[2]
	if err := m3.Restart(); err != nil {
		t.Fatal(err)
	}
	s := tc.session(m3)
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	_, err := m3.Exec(ctx, s, "START GROUP_REPLICATION USER='rpl_user', PASSWORD='password'")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("START with a 1ms client: %v", err)
	}
	tc.waitState(m3, StateOnline)
}

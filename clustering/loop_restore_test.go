package clustering_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/test/mysqlsim"
)

// sqlOn runs statements on a member as root, as the in-place restore Job does.
func (w *world) sqlOn(i int, stmts ...string) {
	w.t.Helper()
	m := w.members[i]
	s, err := m.RootSession()
	if err != nil {
		w.t.Fatal(err)
	}
	defer s.Close()
	for _, q := range stmts {
		if _, err := m.Exec(context.Background(), s, q); err != nil {
			w.t.Fatalf("%s on %s: %v", q, m.Name(), err)
		}
	}
}

// The group part of an in-place restore (simulator): under the restore fence the loop leaves the members alone
// while the restore's SQL takes them out of the group and replaces the first one's data (its GTID state reset,
// new transactions loaded); once the member is handed back, the loop reboots the group from it, not from the
// more advanced others, and clones them over: every member ends with the restored member's GTID set.
func TestLoopReformsTheGroupFromTheRestoredMember(t *testing.T) {
	w := newWorldWith(t, 3, mysqlsim.Config{Second: 5 * time.Millisecond})
	w.waitOnline(0)
	w.write(w.members[0], 5)
	w.annotate(v1.AnnotationRestoreFence, "r1")
	w.waitPasses(2)
	for _, i := range []int{1, 2, 0} { // the Job's fence: secondaries, then the target
		w.sqlOn(i, "SET GLOBAL super_read_only = ON", "STOP GROUP_REPLICATION")
	}
	w.sqlOn(0, "SET GLOBAL super_read_only = OFF", "RESET BINARY LOGS AND GTIDS")
	w.write(w.members[0], 2) // the load
	w.waitPasses(5)
	for i, m := range w.members {
		if st := m.State(); st != mysqlsim.StateOffline {
			t.Fatalf("member %d is %s under the restore fence: the loop acted", i, st)
		}
	}
	restored := w.members[0].GTIDExecuted()
	old := w.members[1].GTIDExecuted().Subtract(restored)
	if old.IsEmpty() {
		t.Fatalf("member 1 should hold transactions the restored member (%v) lacks", restored)
	}
	w.annotate(v1.AnnotationRestoreReform, "true")
	w.waitOnline(0)
	eventually(t, 30*time.Second, func() error {
		// the restored set and the new group's own transactions, whose numbers start again after the reset
		want := w.members[0].GTIDExecuted()
		if !restored.SubsetOf(want) || old.SubsetOf(want) {
			return fmt.Errorf("member 0 holds %v: want all of %v, not the old %v", want, restored, old)
		}
		for i, m := range w.members {
			if !m.GTIDExecuted().Equal(want) {
				return fmt.Errorf("member %d holds %v, want the restored member's %v", i, m.GTIDExecuted(), want)
			}
		}
		return nil
	})
}

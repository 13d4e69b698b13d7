package clustering_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/test/mysqlsim"
)

// write commits a transaction on the member (an account change is binlogged and replicated like data).
func (w *world) write(m *mysqlsim.Member, n int) {
	w.t.Helper()
	s, err := m.RootSession()
	if err != nil {
		w.t.Fatal(err)
	}
	defer s.Close()
	for i := 0; i < n; i++ {
		stmt := fmt.Sprintf("CREATE USER 'app_%d_%d'@'%%' IDENTIFIED BY 'x'", time.Now().UnixNano(), i)
		if _, err := m.Exec(context.Background(), s, stmt); err != nil {
			w.t.Fatalf("write on %s: %v", m.Name(), err)
		}
	}
}

func (w *world) annotate(key, value string) {
	w.t.Helper()
	c := w.get()
	patch := client.MergeFrom(c.DeepCopy())
	if c.Annotations == nil {
		c.Annotations = map[string]string{}
	}
	c.Annotations[key] = value
	if err := k8s.Patch(context.Background(), c, patch); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) waitCondition(t v1.ConditionType, reason v1.ConditionReason, contains string) string {
	w.t.Helper()
	var msg string
	eventually(w.t, 30*time.Second, func() error {
		c := meta.FindStatusCondition(w.get().Status.Conditions, string(t))
		if c == nil || c.Reason != string(reason) || !strings.Contains(c.Message, contains) {
			return fmt.Errorf("%s = %+v, want reason %s mentioning %q", t, c, reason, contains)
		}
		msg = c.Message
		return nil
	})
	return msg
}

func incarnations(ms []*mysqlsim.Member) []int {
	out := make([]int, len(ms))
	for i, m := range ms {
		out[i] = m.Incarnation()
	}
	return out
}

// One secondary is cut off from the group: only it is recovered; the others are never restarted and the
// primary does not move.
func TestLoopRecoversOnlyTheIsolatedSecondary(t *testing.T) {
	w := newWorld(t, 3)
	w.waitOnline(0)
	before := incarnations(w.members)
	w.members[2].Isolate()
	eventually(t, 30*time.Second, func() error {
		c := w.get()
		if c.Status.ClusterState != v1.ClusterStateOnlinePartial || c.Status.OnlineInstances != 2 {
			return fmt.Errorf("state %s online %d", c.Status.ClusterState, c.Status.OnlineInstances)
		}
		if _, ok := w.pod(2).Labels[v1.LabelRole]; ok {
			return fmt.Errorf("isolated member still labelled")
		}
		return nil
	})
	w.members[2].Heal()
	w.waitOnline(0)
	if after := incarnations(w.members); fmt.Sprint(after[:2]) != fmt.Sprint(before[:2]) {
		t.Fatalf("healthy members were restarted: %v -> %v", before, after)
	}
}

// Every member goes down; members come back with different GTID sets. Orca reboots the group from the most
// advanced one and rejoins the rest: no transaction is lost.
func TestLoopRebootsAfterCompleteOutageWithoutLosingTransactions(t *testing.T) {
	w := newWorld(t, 3)
	w.waitOnline(0)
	w.members[2].Crash()
	w.write(w.members[0], 3) // db-2 misses these
	want := w.members[0].GTIDExecuted()
	w.group.LoseAll()
	for _, m := range w.members {
		if err := m.Restart(); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 60*time.Second, func() error {
		c := w.get()
		if c.Status.ClusterState != v1.ClusterStateOnline || c.Status.OnlineInstances != 3 {
			return fmt.Errorf("state %s: %s", c.Status.ClusterState, condMsg(c))
		}
		for _, m := range w.members {
			if m.State() != mysqlsim.StateOnline || !want.SubsetOf(m.GTIDExecuted()) {
				return fmt.Errorf("%s is %s with %s, want at least %s", m.Name(), m.State(), m.GTIDExecuted(), want)
			}
		}
		return nil
	})
	if p := w.get().Status.Primary; p == "db-2" {
		t.Fatal("rebooted from the member that missed transactions")
	}
}

// Every pod is deleted at once and the members stop cleanly one by one: each leaves the group, so the primary,
// the last to go, commits writes alone. Its pod comes back last. Orca must not reboot from the two members that
// are back (a majority, but without those writes: new transactions would reuse their GTIDs and the data would
// silently diverge); it waits, naming the missing pod, and reboots from the primary once it is back.
func TestLoopWaitsForTheLastMemberToLeaveBeforeRebooting(t *testing.T) {
	w := newWorld(t, 3)
	w.waitOnline(0)
	w.shutdownClean(2)
	w.shutdownClean(1)
	w.write(w.members[0], 3) // committed by a group of one: the others never see these
	want := w.members[0].GTIDExecuted()
	w.shutdownClean(0)
	w.deletePod(0)
	for _, i := range []int{1, 2} {
		if err := w.members[i].Restart(); err != nil {
			t.Fatal(err)
		}
	}
	msg := w.waitCondition(v1.ConditionGroupOnline, v1.ReasonRecoveryBlocked, "db-0")
	if !strings.Contains(msg, v1.AnnotationForceRebootFrom) {
		t.Fatalf("RecoveryBlocked does not say how to force it: %q", msg)
	}
	w.waitPasses(3) // nothing may happen while db-0 is missing
	for _, m := range w.members[1:] {
		if m.State() != mysqlsim.StateOffline {
			t.Fatalf("Orca rebooted without db-0: %s is %s", m.Name(), m.State())
		}
	}
	w.bringBack(0)
	w.waitOnline(0)
	for _, m := range w.members {
		if !want.SubsetOf(m.GTIDExecuted()) {
			t.Fatalf("%s has %s, lacks some of the writes db-0 committed alone (%s)", m.Name(), m.GTIDExecuted(), want)
		}
	}
}

// shutdownClean stops member i as SIGTERM does: it leaves its group first.
func (w *world) shutdownClean(i int) {
	w.t.Helper()
	s, err := w.members[i].RootSession()
	if err != nil {
		w.t.Fatal(err)
	}
	defer s.Close()
	_, _ = w.members[i].Exec(context.Background(), s, "SHUTDOWN")
	if w.members[i].Up() {
		w.t.Fatalf("%s still runs after SHUTDOWN", w.members[i].Name())
	}
}

// After a complete outage with only one of three members back (the other two pods are gone, as when their
// node is lost), Orca waits and says who is missing; the force annotation makes it reboot from the named
// member, and the annotation is removed afterwards.
func TestLoopBlocksRebootWithoutMajorityUntilForced(t *testing.T) {
	w := newWorld(t, 3)
	w.waitOnline(0)
	w.group.LoseAll()
	w.deletePod(1)
	w.deletePod(2)
	if err := w.members[0].Restart(); err != nil {
		t.Fatal(err)
	}
	msg := w.waitCondition(v1.ConditionGroupOnline, v1.ReasonRecoveryBlocked, "db-1")
	if !strings.Contains(msg, v1.AnnotationForceRebootFrom) {
		t.Fatalf("RecoveryBlocked does not say how to force it: %q", msg)
	}
	if w.members[0].State() != mysqlsim.StateOffline {
		t.Fatalf("Orca acted without a majority: db-0 is %s", w.members[0].State())
	}
	w.annotate(v1.AnnotationForceRebootFrom, "db-0")
	eventually(t, 30*time.Second, func() error {
		c := w.get()
		if c.Status.Primary != "db-0" || c.Status.OnlineInstances != 1 {
			return fmt.Errorf("primary %q online %d: %s", c.Status.Primary, c.Status.OnlineInstances, condMsg(c))
		}
		if _, still := c.Annotations[v1.AnnotationForceRebootFrom]; still {
			return fmt.Errorf("force annotation not removed")
		}
		return nil
	})
	w.bringBack(1, 2)
	w.waitOnline(0)
}

// Two of three members are lost with their pods: the survivor has no quorum and Orca does not act until
// forced; then it forces quorum and rejoins the others when they return.
func TestLoopForcesQuorumOnlyWhenAsked(t *testing.T) {
	w := newWorld(t, 3)
	w.waitOnline(0)
	w.members[1].Crash()
	w.members[2].Crash()
	w.deletePod(1)
	w.deletePod(2)
	w.waitCondition(v1.ConditionGroupOnline, v1.ReasonQuorumLost, "")
	state := w.get().Status.ClusterState
	if state != v1.ClusterStateNoQuorum && state != v1.ClusterStateNoQuorumUncertain {
		t.Fatalf("state %s, want NO_QUORUM", state)
	}
	w.waitPasses(3) // nothing may happen without the annotation
	if !strings.HasPrefix(string(w.get().Status.ClusterState), "NO_QUORUM") {
		t.Fatalf("Orca acted on lost quorum without being asked: %s", w.get().Status.ClusterState)
	}
	w.annotate(v1.AnnotationForceQuorum, "true")
	eventually(t, 30*time.Second, func() error {
		c := w.get()
		if c.Status.ClusterState != v1.ClusterStateOnlinePartial || c.Status.Primary != "db-0" {
			return fmt.Errorf("state %s primary %q: %s", c.Status.ClusterState, c.Status.Primary, condMsg(c))
		}
		if _, still := c.Annotations[v1.AnnotationForceQuorum]; still {
			return fmt.Errorf("force annotation not removed")
		}
		return nil
	})
	w.bringBack(1, 2)
	w.waitOnline(0)
}

// A member whose applier fails goes to ERROR; Orca rejoins it.
func TestLoopRejoinsMemberInError(t *testing.T) {
	w := newWorld(t, 3)
	w.waitOnline(0)
	if err := w.members[1].InjectError("disk full"); err != nil {
		t.Fatal(err)
	}
	w.waitOnline(0)
	if w.members[1].State() != mysqlsim.StateOnline {
		t.Fatalf("db-1 is %s", w.members[1].State())
	}
}

func (w *world) deletePod(i int) {
	w.t.Helper()
	if err := k8s.Delete(context.Background(), w.pod(i)); err != nil {
		w.t.Fatal(err)
	}
}

// bringBack recreates the members' pods and restarts their servers with their data.
func (w *world) bringBack(ordinals ...int) {
	w.t.Helper()
	for _, i := range ordinals {
		if err := w.members[i].Restart(); err != nil {
			w.t.Fatal(err)
		}
		w.runPod(i)
	}
}

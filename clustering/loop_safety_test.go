package clustering_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/test/mysqlsim"
)

// Issue 8: what a real install needs to never lose an acknowledged write and never leave the primary
// unlabelled. Each test fails on the loop as it was before (synchronous actions, group entries vouching for
// restarted members, offline_mode never cleared...).

// varOf reads a global variable of a simulated member.
func varOf(t *testing.T, m *mysqlsim.Member, name string) string {
	t.Helper()
	v, ok := m.Var(name)
	if !ok {
		t.Fatalf("%s has no variable %s", m.Name(), name)
	}
	return v
}

// rootExec runs one statement as root on a member.
func rootExec(t *testing.T, m *mysqlsim.Member, stmt string) {
	t.Helper()
	s, err := m.RootSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := m.Exec(context.Background(), s, stmt); err != nil {
		t.Fatalf("%s on %s: %v", stmt, m.Name(), err)
	}
}

// The primary's container exits: its pod loses the role label and the readiness gate before anything else,
// mysqld comes back read-only (super_read_only is persisted on every member), and the pod is labelled again
// only once Orca has seen the member ONLINE.
func TestLoopRestartedPrimaryIsDemotedAndComesBackReadOnly(t *testing.T) {
	w := newWorld(t, 3)
	w.waitOnline(0)
	for _, m := range w.members {
		if v := varOf(t, m, "super_read_only"); m.Role() != mysqlsim.RolePrimary && v != "ON" {
			t.Fatalf("%s: super_read_only %s", m.Name(), v)
		}
	}
	w.members[0].Crash()
	w.setContainer(0, false, 0)
	eventually(t, 10*time.Second, func() error {
		if p := w.pod(0); p.Labels[v1.LabelRole] != "" || gate(p) != corev1.ConditionFalse {
			return fmt.Errorf("exited primary still labelled %q gate %q", p.Labels[v1.LabelRole], gate(p))
		}
		return nil
	})
	if err := w.members[0].Restart(); err != nil {
		t.Fatal(err)
	}
	if v := varOf(t, w.members[0], "super_read_only"); v != "ON" {
		t.Fatalf("the restarted primary is writable: super_read_only %s (nothing persisted it)", v)
	}
	w.setContainer(0, true, 1)
	passes.during(t, w.key(), 2, func() {
		if p := w.pod(0); p.Labels[v1.LabelRole] != "" && w.members[0].State() != mysqlsim.StateOnline {
			t.Fatalf("restarted db-0 labelled %q while %s", p.Labels[v1.LabelRole], w.members[0].State())
		}
	})
	c := w.get()
	ord, _ := specs.Ordinal(c.Status.Primary)
	w.waitOnline(ord)
	if got := w.pod(0).Annotations[v1.AnnotationOnlineRestarts]; got != "1" {
		t.Fatalf("restart count recorded %q, want 1", got)
	}
}

// A repair that blocks (STOP GROUP_REPLICATION on the member hangs) does not hold up publishing: when the
// primary crashes meanwhile, the new primary is labelled while the repair is still in flight.
func TestLoopPublishesWhileAnActionBlocks(t *testing.T) {
	w := newWorld(t, 5)
	w.waitOnline(0)
	release := w.members[4].HoldStatements("STOP GROUP_REPLICATION")
	t.Cleanup(release)
	if err := w.members[4].InjectError("disk full"); err != nil {
		t.Fatal(err)
	}
	w.waitCondition(v1.ConditionGroupOnline, v1.ReasonMemberRejoining, "in progress")
	w.members[0].Crash()
	w.setContainer(0, false, 0)
	var primary string
	eventually(t, 15*time.Second, func() error {
		for _, m := range w.members[1:4] {
			if m.Role() == mysqlsim.RolePrimary && m.State() == mysqlsim.StateOnline {
				primary = m.Name()
			}
		}
		ord, err := specs.Ordinal(primary)
		if err != nil {
			return fmt.Errorf("the group has not elected yet")
		}
		if p := w.pod(ord); p.Labels[v1.LabelRole] != v1.RolePrimary {
			return fmt.Errorf("%s elected but labelled %q; db-4 is %s", primary, p.Labels[v1.LabelRole],
				w.members[4].State())
		}
		return nil
	})
	if s := w.members[4].State(); s == mysqlsim.StateOnline {
		t.Fatalf("the repair finished first (db-4 %s): the test proves nothing", s)
	}
	release()
	if err := w.members[0].Restart(); err != nil {
		t.Fatal(err)
	}
	w.setContainer(0, true, 1)
	ord, _ := specs.Ordinal(primary)
	w.waitOnline(ord)
}

// The OFFLINE_MODE exit state action leaves offline_mode ON, which nothing in Group Replication clears: after
// the rejoin Orca clears it, and the member is labelled only then.
func TestLoopClearsOfflineModeAfterRejoin(t *testing.T) {
	w := newWorld(t, 3)
	w.waitOnline(0)
	if err := w.members[1].InjectError("disk full"); err != nil {
		t.Fatal(err)
	}
	if v := varOf(t, w.members[1], "offline_mode"); v != "ON" {
		t.Fatalf("exit state action left offline_mode %s", v)
	}
	w.waitOnline(0)
	if v := varOf(t, w.members[1], "offline_mode"); v != "OFF" {
		t.Fatalf("db-1 is labelled and Ready with offline_mode %s: it refuses every application", v)
	}
}

// A stopped operator left group_replication_bootstrap_group ON (the next START would bootstrap a second
// group): Orca resets it.
func TestLoopResetsLeftoverBootstrapFlag(t *testing.T) {
	w := newWorld(t, 3)
	w.waitOnline(0)
	rootExec(t, w.members[2], "SET GLOBAL group_replication_bootstrap_group = ON")
	eventually(t, 10*time.Second, func() error {
		if v := varOf(t, w.members[2], "group_replication_bootstrap_group"); v != "OFF" {
			return fmt.Errorf("bootstrap flag still %s", v)
		}
		return nil
	})
}

// The root password changes in its Secret: Orca sets it in MySQL on the primary; it replicates to every
// member, and the status fingerprint follows.
func TestLoopRotatesRootPassword(t *testing.T) {
	w := newWorld(t, 3)
	w.waitOnline(0)
	before := w.get().Status.CredentialsFingerprint
	if before == "" {
		t.Fatal("no credentials fingerprint recorded at bootstrap")
	}
	var s corev1.Secret
	key := client.ObjectKey{Namespace: w.ns, Name: "db-credentials"}
	if err := k8s.Get(context.Background(), key, &s); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(s.DeepCopy())
	s.Data[specs.KeyRootPassword] = []byte("n3w-root-Pass")
	if err := k8s.Patch(context.Background(), &s, patch); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() error {
		for _, m := range w.members {
			if acct, ok := m.LookupAccount("root", "10.1.2.3"); !ok || acct.Password != "n3w-root-Pass" {
				return fmt.Errorf("root on %s still has the old password", m.Name())
			}
		}
		if fp := w.get().Status.CredentialsFingerprint; fp == before {
			return fmt.Errorf("fingerprint unchanged")
		}
		return nil
	})
}

// Two primaries crash one after the other; all three come back with what the survivor has. Orca restores
// quorum on its own (nothing can be lost) and every member is ONLINE again without a request.
func TestLoopRecoversDoubleCrashWithoutRequest(t *testing.T) {
	w := newWorld(t, 3)
	w.waitOnline(0)
	w.members[0].Crash()
	w.setContainer(0, false, 0)
	eventually(t, 30*time.Second, func() error {
		if p := w.get().Status.Primary; p == "" || p == "db-0" {
			return fmt.Errorf("no new primary yet (%q)", p)
		}
		return nil
	})
	second, _ := specs.Ordinal(w.get().Status.Primary)
	w.members[second].Crash()
	w.setContainer(second, false, 0)
	survivor := 3 - second // ordinals 1 and 2 remain after db-0
	w.waitCondition(v1.ConditionGroupOnline, v1.ReasonQuorumLost, "")
	for _, i := range []int{0, second} {
		if err := w.members[i].Restart(); err != nil {
			t.Fatal(err)
		}
		w.setContainer(i, true, 1)
	}
	w.waitOnline(survivor)
	if _, asked := w.get().Annotations[v1.AnnotationForceQuorum]; asked {
		t.Fatal("the test must not ask for force quorum")
	}
}

// A switchover to a member whose applier lags is held with the reason, and runs once it caught up.
func TestLoopHoldsSwitchoverToLaggingMember(t *testing.T) {
	w := newWorld(t, 3)
	w.waitOnline(0)
	w.members[2].SetLag(true)
	w.write(w.members[0], 120)
	w.annotate(v1.AnnotationSwitchoverTo, "db-2")
	msg := w.waitCondition(v1.ConditionGroupOnline, v1.ReasonSwitchoverBlocked, "behind")
	if !strings.Contains(msg, "db-2") {
		t.Fatalf("message %q", msg)
	}
	if q := w.get().Status.MaxApplierQueue; q < 100 {
		t.Fatalf("status.maxApplierQueue %d, want the lag shown", q)
	}
	w.members[2].SetLag(false)
	w.waitOnline(2)
}

// A member's certifier backlog (COUNT_TRANSACTIONS_IN_QUEUE) is published in its status and as the cluster's
// maxCertifierQueue, which a migration's precheck reads, and clears once the backlog is gone.
func TestLoopPublishesCertifierQueue(t *testing.T) {
	w := newWorld(t, 3)
	w.waitOnline(0)
	w.members[1].SetCertifierBacklog(30000)
	certifier := func(want int64) func() error {
		return func() error {
			s := w.get().Status
			if s.MaxCertifierQueue != want || len(s.Members) < 2 || s.Members[1].CertifierQueue == nil ||
				*s.Members[1].CertifierQueue != want {
				return fmt.Errorf("maxCertifierQueue %d, members %+v; want %d", s.MaxCertifierQueue, s.Members, want)
			}
			return nil
		}
	}
	eventually(t, 30*time.Second, certifier(30000))
	w.members[1].SetCertifierBacklog(0)
	eventually(t, 30*time.Second, certifier(0))
}

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/test/mysqlsim"
)

// The failure matrix, part one: members lost, cut off, in error or recovering. Each case runs on its own
// sample cluster and first waits for the failure to show before it waits for the recovery, since a status
// read just after an injection may still describe the healthy cluster.

// One secondary is cut off from the group, then reconnected: only it is recovered. The other members are
// never restarted, the primary stays, and no other pod is replaced.
func isolatedSecondaryRecovered(t *testing.T, h *harness) {
	c := h.createSample(t)
	primary := c.waitOnline(90 * time.Second)
	victim := c.secondaries(primary)[1]
	wr := c.startWriter()
	defer wr.stopAndCheck()
	incs, uids, since := c.incarnations(), c.podUIDs(), time.Now()
	c.member(victim).Isolate()
	eventually(t, 30*time.Second, func() error {
		for _, row := range c.member(primary).GroupMembers() {
			if row.UUID == c.member(victim).UUID() {
				return fmt.Errorf("the group still lists %s as %s", victim, row.State)
			}
		}
		s := c.get().Status
		if s.ClusterState == v1.ClusterStateOnline || s.OnlineInstances != 2 {
			return fmt.Errorf("state %s online %d", s.ClusterState, s.OnlineInstances)
		}
		if role, ok := c.pods()[victim].Labels[v1.LabelRole]; ok {
			return fmt.Errorf("isolated %s still labelled %s", victim, role)
		}
		return nil
	})
	t.Logf("while isolated: %s is %s; %s", victim, c.memberState(victim),
		condString(c.condition(v1.ConditionGroupOnline)))
	c.member(victim).Heal()
	if p := c.waitOnline(60 * time.Second); p != primary {
		t.Fatalf("the primary moved from %s to %s", primary, p)
	}
	after, afterUIDs := c.incarnations(), c.podUIDs()
	for pod, inc := range incs {
		if pod == victim {
			t.Logf("%s: incarnation %d -> %d, pod replaced %v", pod, inc, after[pod], afterUIDs[pod] != uids[pod])
			continue
		}
		if after[pod] != inc || afterUIDs[pod] != uids[pod] {
			t.Fatalf("healthy %s was touched: incarnation %d -> %d, pod uid %s -> %s", pod, inc, after[pod],
				uids[pod], afterUIDs[pod])
		}
	}
	// While cut off it sees the group UNREACHABLE, so Orca does not restart Group Replication on it; once healed
	// it learns it was expelled, and Group Replication's auto-rejoin or Orca's rejoin brings it back.
	c.onlyActedOn(victim, since, false)
}

// onlyActedOn checks that every action event since the failure names the pod, and, when must is set, that
// at least one does. Events are written asynchronously (and a repeated one only as a series), hence the wait.
func (c *cluster) onlyActedOn(pod string, since time.Time, must bool) {
	c.t.Helper()
	var notes []string
	eventually(c.t, 10*time.Second, func() error {
		if notes = c.actionNotes(since); len(notes) == 0 && must {
			return fmt.Errorf("no action event names %s: who recovered it?", pod)
		}
		return nil
	})
	for _, note := range notes {
		if !strings.Contains(note, pod) {
			c.t.Fatalf("Orca acted on another member: %s", note)
		}
		c.t.Logf("action: %s", note)
	}
}

// Two of three members are lost with their nodes (pods force-deleted, successors unschedulable): the survivor
// has no quorum and Orca does nothing until asked. force-quorum makes the survivor a group of one and
// primary, and the annotation is removed; once the nodes return, the lost members rejoin with everything the
// survivor committed meanwhile.
func twoDownForceQuorum(t *testing.T, h *harness) {
	c := h.createSample(t)
	primary := c.waitOnline(90 * time.Second)
	survivor := c.secondaries(primary)[0]
	wr := c.startWriter()
	defer wr.stopAndCheck()
	var lost []string
	for pod := range c.pods() {
		if pod != survivor {
			lost = append(lost, pod)
		}
	}
	t.Cleanup(func() { h.setCordoned(t, false) }) // registered first: a failed cordon must not leave nodes cordoned
	h.setCordoned(t, true)
	for _, pod := range lost {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: c.obj.Namespace, Name: pod}}
		if err := h.Client.Delete(context.Background(), p, client.GracePeriodSeconds(0)); err != nil {
			t.Fatal(err)
		}
	}
	c.waitNoQuorum(lost)
	inc := c.member(survivor).Incarnation()
	time.Sleep(2 * time.Second) // two resyncs: nothing may happen without the annotation
	if s := c.get().Status.ClusterState; s != v1.ClusterStateNoQuorum || c.member(survivor).Incarnation() != inc {
		t.Fatalf("Orca acted on lost quorum without being asked: state %s, survivor incarnation %d -> %d", s,
			inc, c.member(survivor).Incarnation())
	}
	c.annotate(v1.AnnotationForceQuorum, "true")
	eventually(t, 30*time.Second, func() error {
		s := c.get().Status
		if s.ClusterState != v1.ClusterStateOnlinePartial || s.Primary != survivor || s.OnlineInstances != 1 {
			return fmt.Errorf("state %s primary %q online %d: %s", s.ClusterState, s.Primary, s.OnlineInstances,
				condString(c.condition(v1.ConditionGroupOnline)))
		}
		if c.pods()[survivor].Labels[v1.LabelRole] != v1.RolePrimary {
			return fmt.Errorf("survivor %s not labelled primary", survivor)
		}
		return c.annotationGone(v1.AnnotationForceQuorum)
	})
	c.write(c.member(survivor), 3) // the group of one takes writes
	want, back := c.member(survivor).GTIDExecuted(), time.Now()
	h.setCordoned(t, false)
	c.waitOnline(90 * time.Second)
	for _, pod := range lost {
		if got := c.member(pod).GTIDExecuted(); !want.SubsetOf(got) {
			t.Fatalf("%s rejoined without the survivor's writes: has %s, want %s", pod, got, want)
		}
	}
	// start_on_boot is OFF: a member outside the forced group comes back only when Orca joins it.
	eventually(t, 10*time.Second, func() error {
		joins := strings.Join(c.actionNotes(back), "\n")
		for _, pod := range lost {
			if !strings.Contains(joins, "join "+pod+" ") {
				return fmt.Errorf("no join action for %s after the nodes came back: %s", pod, joins)
			}
		}
		return nil
	})
}

// waitNoQuorum waits until the lost pods are gone for good (their successors Pending) and the status says
// NO_QUORUM with reason QuorumLost.
func (c *cluster) waitNoQuorum(lost []string) {
	c.t.Helper()
	eventually(c.t, 30*time.Second, func() error {
		pods := c.pods()
		for _, pod := range lost {
			if p, ok := pods[pod]; ok && p.Status.Phase == corev1.PodRunning {
				return fmt.Errorf("pod %s runs on a cordoned cluster", pod)
			}
		}
		s := c.get().Status
		cond := c.condition(v1.ConditionGroupOnline)
		if s.ClusterState != v1.ClusterStateNoQuorum || cond == nil || cond.Reason != string(v1.ReasonQuorumLost) {
			return fmt.Errorf("state %s, GroupOnline %s", s.ClusterState, condString(cond))
		}
		return nil
	})
	c.t.Logf("quorum lost: %s", condString(c.condition(v1.ConditionGroupOnline)))
}

// A secondary's applier fails (ERROR): Orca rejoins it without restarting it, and nothing else moves.
func memberInErrorRejoined(t *testing.T, h *harness) {
	c := h.createSample(t)
	primary := c.waitOnline(90 * time.Second)
	victim := c.secondaries(primary)[0]
	wr := c.startWriter()
	defer wr.stopAndCheck()
	m := c.member(victim)
	inc, uid, since := m.Incarnation(), c.pods()[victim].UID, time.Now()
	if err := m.InjectError("disk full"); err != nil {
		t.Fatal(err)
	}
	if s := m.State(); s != mysqlsim.StateError {
		t.Fatalf("%s is %s after the injected applier error, want ERROR", victim, s)
	}
	eventually(t, 60*time.Second, func() error {
		if s := m.State(); s != mysqlsim.StateOnline {
			return fmt.Errorf("%s is %s", victim, s)
		}
		return nil
	})
	if p := c.waitOnline(60 * time.Second); p != primary {
		t.Fatalf("the primary moved from %s to %s", primary, p)
	}
	if m.Incarnation() != inc || c.pods()[victim].UID != uid {
		t.Fatalf("%s was restarted or replaced to leave ERROR (incarnation %d -> %d)", victim, inc, m.Incarnation())
	}
	c.onlyActedOn(victim, since, true)
}

// A member stuck in distributed recovery (every donor refuses the recovery account for a while) is left
// alone: it is not Ready and carries no role, but it is neither restarted nor replaced, and it comes ONLINE
// by itself once a donor accepts it.
func recoveringMemberLeftAlone(t *testing.T, h *harness) {
	c := h.createSample(t)
	primary := c.waitOnline(90 * time.Second)
	victim := c.secondaries(primary)[0]
	wr := c.startWriter()
	defer wr.stopAndCheck()
	m := c.member(victim)
	replUser := c.secret(specs.InternalSecretName(c.obj), specs.KeyReplicationUser)
	// Replicated: every donor refuses the recovery channel (REPLICATION SLAVE is what it needs); the account keeps
	// GROUP_REPLICATION_STREAM, so the MySQL communication stack still lets the member join the group.
	grant := func(verb string) {
		c.exec(c.member(primary), func(int) string {
			if verb == "REVOKE" {
				return "REVOKE REPLICATION SLAVE ON *.* FROM '" + replUser + "'@'%'"
			}
			return "GRANT REPLICATION SLAVE ON *.* TO '" + replUser + "'@'%'"
		}, 1)
	}
	grant("REVOKE")
	// Retry donors every 60 simulated seconds for long enough; the default (10 tries) would end in ERROR.
	c.exec(m, func(int) string { return "SET GLOBAL group_replication_recovery_retry_count = 1000" }, 1)
	c.exec(m, func(int) string { return "STOP GROUP_REPLICATION" }, 1)
	inc, uid := m.Incarnation(), c.pods()[victim].UID
	eventually(t, 30*time.Second, func() error {
		if s := m.State(); s != mysqlsim.StateRecovering {
			return fmt.Errorf("%s is %s, waiting for Orca to rejoin it", victim, s)
		}
		if s := c.memberState(victim); s != "RECOVERING" {
			return fmt.Errorf("status reports %s as %q", victim, s)
		}
		return nil
	})
	t.Logf("recovering: %s", condString(c.condition(v1.ConditionMembersOnline)))
	for end := time.Now().Add(2500 * time.Millisecond); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if s := m.State(); s != mysqlsim.StateRecovering {
			t.Fatalf("%s left RECOVERING (%s) while every donor refuses it", victim, s)
		}
		p := c.pods()[victim]
		if podReady(p) || p.Labels[v1.LabelRole] != "" || p.UID != uid || m.Incarnation() != inc {
			t.Fatalf("recovering %s: ready %v role %q pod %s (was %s) incarnation %d (was %d)", victim,
				podReady(p), p.Labels[v1.LabelRole], p.UID, uid, m.Incarnation(), inc)
		}
	}
	grant("GRANT")
	c.waitOnline(60 * time.Second)
	if m.Incarnation() != inc || c.pods()[victim].UID != uid {
		t.Fatalf("%s was restarted or replaced during recovery (incarnation %d -> %d)", victim, inc, m.Incarnation())
	}
	retries := 0
	for _, e := range m.ErrorLog() {
		if e.ErrorCode == "MY-010584" {
			retries++
		}
	}
	t.Logf("%s recovered after %d failed donor connections", victim, retries)
}

package e2e

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/test/mysqlsim"
	"github.com/orca-operator/orca/topology"
)

// The failure matrix, part two: operations a user asks for (scale, switchover, upgrade).

// Scale 3 -> 5 -> 3 through spec.instances. The real StatefulSet controller creates and deletes the pods; on
// the way down it keeps members 3 and 4 until they left the group with a clean STOP GROUP_REPLICATION (their
// peers never find them unreachable), and the first three members are never restarted.
func scaleUpAndDown(t *testing.T, h *harness) {
	c := h.createSample(t)
	primary := c.waitOnline(90 * time.Second)
	wr := c.startWriter()
	defer wr.stopAndCheck()
	c.patch(func(ic *v1.InnoDBCluster) { ic.Spec.Instances = 5 })
	c.waitOnline(90 * time.Second)
	if r := c.stsReplicas(); r != 5 {
		t.Fatalf("statefulset replicas %d after scale-up", r)
	}
	incs, uids := c.incarnations(), c.podUIDs()
	extra := []string{c.pod(3), c.pod(4)}
	start := time.Now()
	c.patch(func(ic *v1.InnoDBCluster) { ic.Spec.Instances = 3 })
	c.watchScaleDown(extra, start)
	if p := c.waitOnline(60 * time.Second); p != primary {
		t.Fatalf("the primary moved from %s to %s", primary, p)
	}
	if r := c.stsReplicas(); r != 3 {
		t.Fatalf("statefulset replicas %d after scale-down", r)
	}
	after, afterUIDs := c.incarnations(), c.podUIDs()
	for _, pod := range []string{c.pod(0), c.pod(1), c.pod(2)} {
		if after[pod] != incs[pod] || afterUIDs[pod] != uids[pod] {
			t.Fatalf("scale-down touched %s: incarnation %d -> %d, pod %s -> %s", pod, incs[pod], after[pod],
				uids[pod], afterUIDs[pod])
		}
	}
	for _, pod := range extra {
		m := c.member(pod)
		if m.Incarnation() != incs[pod] {
			t.Fatalf("%s was restarted on its way out", pod)
		}
		for _, peer := range []string{c.pod(0), c.pod(1), c.pod(2)} {
			if logged(c.member(peer), start, "MY-011493", m.Host()) {
				t.Fatalf("%s found %s unreachable: it crashed out of the group instead of leaving", peer, pod)
			}
		}
	}
}

// watchScaleDown follows the extra members until their pods are gone, and fails if a pod goes (is deleted
// or missing) before its member stopped Group Replication, or if a member is seen down while still in the
// group.
func (c *cluster) watchScaleDown(extra []string, since time.Time) {
	c.t.Helper()
	stopped := map[string]bool{}
	deadline := time.Now().Add(60 * time.Second)
	for {
		left := 0
		for _, pod := range extra {
			m := c.member(pod)
			// The error log first: MY-011651 is only written by STOP GROUP_REPLICATION, never by a shutdown.
			if !stopped[pod] && logged(m, since, "MY-011651", "stopped") {
				stopped[pod] = true
				c.t.Logf("%s stopped Group Replication (state %s, up %v) %s after the scale-down", pod, m.State(),
					m.Up(), time.Since(since).Round(time.Millisecond))
			}
			p, ok := c.pods()[pod]
			if ok && p.DeletionTimestamp == nil {
				continue
			}
			if !stopped[pod] {
				c.t.Fatalf("pod %s went (exists %v) before its member left the group: state %s", pod, ok, m.State())
			}
			if !ok {
				left++
			}
		}
		if left == len(extra) {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("pods %v still there 60s after the scale-down: %s", extra,
				condString(c.condition(v1.ConditionGroupOnline)))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (c *cluster) statefulSet() *appsv1.StatefulSet {
	c.t.Helper()
	var sts appsv1.StatefulSet
	if err := c.h.Client.Get(context.Background(), client.ObjectKeyFromObject(c.obj), &sts); err != nil {
		c.t.Fatal(err)
	}
	return &sts
}

func (c *cluster) stsReplicas() int32 { return *c.statefulSet().Spec.Replicas }

// A switchover by annotation moves the primary, the labels and the primary Service, and clears the request.
// Then a second switchover is requested and the operator stops right away: a new operator process reads the
// request again and converges.
func switchoverByAnnotation(t *testing.T, h *harness) {
	c := h.createSample(t)
	first := c.waitOnline(90 * time.Second)
	wr := c.startWriter()
	defer wr.stopAndCheck()
	incs := c.incarnations()
	target := c.secondaries(first)[1]
	c.annotate(v1.AnnotationSwitchoverTo, target)
	c.waitSwitchedTo(target)

	c.annotate(v1.AnnotationSwitchoverTo, first)
	h.stopOperatorNow()
	t.Logf("operator stopped right after the request: %s is %s, %s is %s", first, c.member(first).Role(), target,
		c.member(target).Role())
	h.startOperator()
	c.waitSwitchedTo(first)
	after := c.incarnations()
	for pod, inc := range incs {
		if after[pod] != inc {
			t.Fatalf("a switchover restarted %s", pod)
		}
	}
}

func (c *cluster) waitSwitchedTo(target string) {
	c.t.Helper()
	eventually(c.t, 60*time.Second, func() error {
		p, err := c.online()
		if err != nil {
			return err
		}
		if p != target {
			return fmt.Errorf("primary %s, want %s", p, target)
		}
		if r := c.member(target).Role(); r != mysqlsim.RolePrimary {
			return fmt.Errorf("%s reports role %s", target, r)
		}
		if err := c.primaryServiceFollows(target); err != nil {
			return err
		}
		return c.annotationGone(v1.AnnotationSwitchoverTo)
	})
}

// upgradeWatch is what a rolling upgrade was seen doing.
type upgradeWatch struct {
	order   []string // pods in the order they were replaced
	primary map[string]string
	worst   int // most members not ONLINE at once
}

// spec.version 8.4.3 -> 8.4.4: the loop replaces the pods one at a time, secondaries first (highest ordinal
// first), switching the primary role to an upgraded member before the old primary's pod goes, until every pod
// runs the StatefulSet's new revision; the cluster ends ONLINE with every transaction.
func rollingUpgrade(t *testing.T, h *harness) {
	c := h.createSample(t)
	primary := c.waitOnline(90 * time.Second)
	wr := c.startWriter()
	defer wr.stopAndCheck()
	c.write(c.member(primary), 5)
	before := map[string]mysqlsim.GTIDSet{}
	for pod := range c.pods() {
		before[pod] = c.member(pod).GTIDExecuted()
	}
	incs, uids, since := c.incarnations(), c.podUIDs(), time.Now()
	oldRev := c.statefulSet().Status.UpdateRevision
	c.patch(func(ic *v1.InnoDBCluster) { ic.Spec.Version = "8.4.4" })
	newRev := c.waitNewRevision(oldRev)
	w := c.watchUpgrade(uids, newRev)
	t.Logf("replaced in order %v; primary when each pod went: %v; at most %d member(s) not ONLINE at once",
		w.order, w.primary, w.worst)
	secs := c.secondaries(primary)
	if len(w.order) != 3 || w.order[0] != secs[1] || w.order[1] != secs[0] || w.order[2] != primary {
		t.Fatalf("replacement order %v, want secondaries %s, %s then the primary %s", w.order, secs[1], secs[0],
			primary)
	}
	if p := w.primary[primary]; p == primary || p == "" {
		t.Fatalf("the old primary's pod went while it was still primary (primary %q)", p)
	}
	// Each new pod boots the image's version: the upgraded secondaries run 8.4.4, so MySQL refuses them as
	// switchover targets (a new primary must run the group's lowest version) and the old primary simply leaves,
	// the group electing an upgraded member.
	for pod := range c.pods() {
		if v := c.member(pod).Version(); v != "8.4.4" {
			t.Fatalf("%s runs %s after the upgrade", pod, v)
		}
	}
	if c.switchedOverBeforeUpgrade(since, primary) {
		t.Fatalf("a switchover to a newer member ran before %s was upgraded: %v", primary, c.actionNotes(since))
	}
	for pod, gtids := range before {
		m := c.member(pod)
		if !gtids.SubsetOf(m.GTIDExecuted()) || m.Incarnation() <= incs[pod] {
			t.Fatalf("%s after the upgrade: incarnation %d (was %d), gtid_executed %s, had %s", pod,
				m.Incarnation(), incs[pod], m.GTIDExecuted(), gtids)
		}
	}
}

// A spec.mycnf change rolls the members like an upgrade: one pod at a time, secondaries first, the primary
// last after a switchover, never two members out of the group at once.
func configChangeRolls(t *testing.T, h *harness) {
	c := h.createSample(t)
	primary := c.waitOnline(90 * time.Second)
	wr := c.startWriter()
	defer wr.stopAndCheck()
	uids := c.podUIDs()
	oldRev := c.statefulSet().Status.UpdateRevision
	c.patch(func(ic *v1.InnoDBCluster) { ic.Spec.Mycnf = "max_connections=300" })
	newRev := c.waitNewRevision(oldRev)
	c.watchRollPrimaryLast(uids, newRev, primary)
	for pod := range c.pods() {
		if v, _ := c.member(pod).Var("max_connections"); v != "300" {
			t.Fatalf("%s runs max_connections=%s after the roll, want 300", pod, v)
		}
	}
}

// watchRollPrimaryLast follows a roll to newRev and checks that all three pods were replaced, the primary last
// and only once another member was primary.
func (c *cluster) watchRollPrimaryLast(uids map[string]types.UID, newRev, primary string) {
	c.t.Helper()
	w := c.watchUpgrade(uids, newRev)
	c.t.Logf("replaced in order %v; primary when each pod went: %v", w.order, w.primary)
	if len(w.order) != 3 || w.order[2] != primary {
		c.t.Fatalf("replacement order %v: the primary %s must go last", w.order, primary)
	}
	if p := w.primary[primary]; p == primary || p == "" {
		c.t.Fatalf("the old primary's pod went while it was still primary (primary %q)", p)
	}
}

// waitNewRevision waits until the StatefulSet's update revision moves on from old, and returns it.
func (c *cluster) waitNewRevision(old string) string {
	c.t.Helper()
	var rev string
	eventually(c.t, 30*time.Second, func() error {
		if rev = c.statefulSet().Status.UpdateRevision; rev == old {
			return fmt.Errorf("statefulset revision still %s", old)
		}
		return nil
	})
	return rev
}

// switchedOverBeforeUpgrade reports whether the loop moved the primary role off the old primary (a
// Switchover action) before it restarted it (its UpgradeMember action).
func (c *cluster) switchedOverBeforeUpgrade(since time.Time, primary string) bool {
	switched := false
	for _, note := range c.actionNotes(since) {
		switch {
		case strings.HasPrefix(note, string(topology.ActionSwitchover)+":"):
			switched = true
		case strings.HasPrefix(note, string(topology.ActionUpgradeMember)+":") && strings.Contains(note, primary+" "):
			c.t.Logf("actions: %v", c.actionNotes(since))
			return switched
		}
	}
	return false
}

// watchUpgrade follows the upgrade until every pod runs the new revision and the cluster is ONLINE. It fails
// if two members are ever out of the group at once.
func (c *cluster) watchUpgrade(uids map[string]types.UID, newRev string) upgradeWatch {
	c.t.Helper()
	return c.watchRoll(uids, 120*time.Second, func(pods map[string]*corev1.Pod) bool {
		for pod, uid := range uids {
			if p, ok := pods[pod]; !ok || p.UID == uid || p.Labels[appsv1.StatefulSetRevisionLabel] != newRev {
				return false
			}
		}
		return true
	})
}

// watchRoll is watchUpgrade until done holds for the pods (and the cluster is ONLINE), within timeout.
func (c *cluster) watchRoll(uids map[string]types.UID, timeout time.Duration,
	done func(map[string]*corev1.Pod) bool) upgradeWatch {
	c.t.Helper()
	w := upgradeWatch{primary: map[string]string{}}
	seen, since := map[string]bool{}, time.Now()
	deadline := time.Now().Add(timeout)
	for {
		notOnline := 0
		for pod := range uids {
			if m := c.member(pod); !m.Up() || m.State() != mysqlsim.StateOnline {
				notOnline++
			}
		}
		w.worst = max(w.worst, notOnline)
		if notOnline > 1 {
			c.t.Fatalf("%d members out of the group at once during the upgrade (replaced so far: %v)\n%s\nactions: %v",
				notOnline, w.order, c.membersAndPods(uids), c.actionNotes(since))
		}
		pods := c.pods()
		for pod, uid := range uids {
			p, ok := pods[pod]
			if !seen[pod] && (!ok || p.DeletionTimestamp != nil || p.UID != uid) {
				seen[pod] = true
				w.order = append(w.order, pod)
				w.primary[pod] = c.simPrimary(uids)
			}
		}
		if _, err := c.online(); err == nil && done(pods) {
			return w
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("roll not done in %s: replaced %v: %s", timeout, w.order,
				condString(c.condition(v1.ConditionGroupOnline)))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// simPrimary is the member the simulated group has as primary ("" when none).
func (c *cluster) simPrimary(uids map[string]types.UID) string {
	for pod := range uids {
		if m := c.member(pod); m.Up() && m.State() == mysqlsim.StateOnline && m.Role() == mysqlsim.RolePrimary {
			return pod
		}
	}
	return ""
}

// membersAndPods describes each member (up, state, role, incarnation, the end of its error log) and its pod (UID,
// deleting, restarts), for a failure message.
func (c *cluster) membersAndPods(uids map[string]types.UID) string {
	var b strings.Builder
	pods := c.pods()
	for _, pod := range slices.Sorted(maps.Keys(uids)) {
		m := c.member(pod)
		fmt.Fprintf(&b, "%s: up %v state %s role %s incarnation %d", pod, m.Up(), m.State(), m.Role(), m.Incarnation())
		if p, ok := pods[pod]; ok {
			fmt.Fprintf(&b, "; pod %s deleting %v", p.UID, p.DeletionTimestamp != nil)
			for _, cs := range p.Status.ContainerStatuses {
				fmt.Fprintf(&b, " %s restarts %d", cs.Name, cs.RestartCount)
			}
		}
		b.WriteString("\n")
		log := m.ErrorLog()
		for _, e := range log[max(0, len(log)-12):] {
			fmt.Fprintf(&b, "    %s\n", e)
		}
	}
	return b.String()
}

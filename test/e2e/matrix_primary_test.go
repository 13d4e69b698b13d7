package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/test/mysqlsim"
	"github.com/orca-operator/orca/topology"
)

// The failure matrix, part three (issue 8): failures of the primary and of the operator, each with a client
// writing through the primary Service all along; afterwards every acknowledged write is in the group and no
// member holds an errant transaction.

// waitNewPrimary waits until the group and Orca agree on a primary other than old, labelled, and returns it.
func (c *cluster) waitNewPrimary(old string, timeout time.Duration) string {
	c.t.Helper()
	var p string
	eventually(c.t, timeout, func() error {
		p = c.get().Status.Primary
		if p == "" || p == old {
			return fmt.Errorf("primary still %q", p)
		}
		if m := c.member(p); m.Role() != mysqlsim.RolePrimary || m.State() != mysqlsim.StateOnline {
			return fmt.Errorf("status names %s, which is %s/%s", p, m.State(), m.Role())
		}
		if c.pods()[p].Labels[v1.LabelRole] != v1.RolePrimary {
			return fmt.Errorf("%s not labelled primary yet", p)
		}
		return c.primaryServiceFollows(p)
	})
	return p
}

// The primary crashes, then the new primary crashes before the first is back: the survivor is alone in a
// view without quorum. Both crashed members' containers restart with what they had; every member answers, so
// Orca restores quorum on the survivor by itself (it holds every transaction) and rejoins the other two.
func doubleCrashRecovers(t *testing.T, h *harness) {
	c := h.createSample(t)
	first := c.waitOnline(90 * time.Second)
	wr := c.startWriter()
	defer wr.stopAndCheck()
	since := time.Now()
	c.member(first).Crash()
	second := c.waitNewPrimary(first, 60*time.Second)
	c.member(second).Crash()
	eventually(t, 60*time.Second, func() error {
		if _, err := c.online(); err != nil {
			return err
		}
		if _, asked := c.get().Annotations[v1.AnnotationForceQuorum]; asked {
			return fmt.Errorf("force-quorum annotation present")
		}
		return nil
	})
	var notes string
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		// Events are written asynchronously.
		if notes = strings.Join(c.actionNotes(since), "\n"); strings.Contains(notes, string(topology.ActionForceQuorum)) {
			break
		}
	}
	t.Logf("after the double crash: primary %s; actions since the first crash:\n%s", c.get().Status.Primary, notes)
}

// The primary is cut off from the other members (clients still reach it): the majority elects a new primary
// and the labels follow at once; the old primary can commit nothing without quorum, is not labelled, and is
// not restarted while it cannot reach the group. Once healed it learns it was expelled and rejoins.
func isolatedPrimaryReplaced(t *testing.T, h *harness) {
	c := h.createSample(t)
	old := c.waitOnline(90 * time.Second)
	wr := c.startWriter()
	defer wr.stopAndCheck()
	inc := c.member(old).Incarnation()
	c.member(old).Isolate()
	next := c.waitNewPrimary(old, 60*time.Second)
	eventually(t, 30*time.Second, func() error {
		if role := c.pods()[old].Labels[v1.LabelRole]; role != "" {
			return fmt.Errorf("isolated %s still labelled %s", old, role)
		}
		return nil
	})
	t.Logf("isolated %s: %s; new primary %s", old, condString(c.condition(v1.ConditionGroupOnline)), next)
	c.member(old).Heal()
	if p := c.waitOnline(90 * time.Second); p != next {
		t.Fatalf("primary %s after the heal, want %s", p, next)
	}
	if c.member(old).Incarnation() != inc {
		t.Fatalf("the isolated primary's mysqld was restarted")
	}
}

// The operator is stopped the moment the primary crashes and started again while the group elects: the new
// operator process labels the elected primary and rejoins the old one.
func operatorKilledDuringFailover(t *testing.T, h *harness) {
	c := h.createSample(t)
	old := c.waitOnline(90 * time.Second)
	wr := c.startWriter()
	defer wr.stopAndCheck()
	c.member(old).Crash()
	h.stopOperatorNow()
	g := h.World.Group(c.obj.Namespace, c.obj.Name)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := g.WaitFor(ctx, func() bool { return newSimPrimary(g, old) != "" }); err != nil {
		t.Fatalf("the group elected no primary: %v", err)
	}
	h.startOperator()
	next := c.waitNewPrimary(old, 60*time.Second)
	if p := c.waitOnline(90 * time.Second); p != next {
		t.Fatalf("primary %s, want %s", p, next)
	}
}

// A secondary's mysqld crashes: its container restarts, the member comes back read-only without Group
// Replication, and Orca rejoins it; the primary never moves.
func crashedSecondaryRejoins(t *testing.T, h *harness) {
	c := h.createSample(t)
	primary := c.waitOnline(90 * time.Second)
	wr := c.startWriter()
	defer wr.stopAndCheck()
	victim := c.secondaries(primary)[0]
	inc := c.member(victim).Incarnation()
	c.member(victim).Crash()
	eventually(t, 30*time.Second, func() error {
		m := c.member(victim)
		if !m.Up() || m.Incarnation() == inc {
			return fmt.Errorf("%s not restarted by its container yet", victim)
		}
		return nil
	})
	if v, _ := c.member(victim).Var("super_read_only"); v != "ON" && c.member(victim).State() != mysqlsim.StateOnline {
		t.Fatalf("restarted %s is writable before it rejoined (super_read_only %s)", victim, v)
	}
	if p := c.waitOnline(90 * time.Second); p != primary {
		t.Fatalf("the primary moved from %s to %s", primary, p)
	}
}

// The cluster is deleted with the default whenDeleted: Retain and created again under the same name: its
// members come back with their data and their credentials, and every write acknowledged before is there.
func deleteAndRecreateWithRetain(t *testing.T, h *harness) {
	c := h.createSample(t)
	c.waitOnline(90 * time.Second)
	wr := c.startWriter()
	time.Sleep(20 * writeInterval)
	close(wr.stop)
	<-wr.done
	acks := append([]ack(nil), wr.acks...)
	if len(acks) == 0 {
		t.Fatalf("no write acknowledged before the deletion: %v", wr.errors)
	}
	ctx := context.Background()
	if err := h.Client.Delete(ctx, c.get()); err != nil {
		t.Fatal(err)
	}
	eventually(t, 60*time.Second, func() error {
		var ic v1.InnoDBCluster
		if err := h.Client.Get(ctx, client.ObjectKeyFromObject(c.obj), &ic); err == nil {
			return fmt.Errorf("cluster still exists (finalizers %v)", ic.Finalizers)
		}
		if n := len(c.pods()); n > 0 {
			return fmt.Errorf("%d pods left", n)
		}
		return nil
	})
	var claims corev1.PersistentVolumeClaimList
	if err := h.Client.List(ctx, &claims, client.InNamespace(c.obj.Namespace)); err != nil || len(claims.Items) != 3 {
		t.Fatalf("retained claims: %d, %v", len(claims.Items), err)
	}
	since := time.Now()
	again := loadSample(t, "mysql_v1alpha1_innodbcluster.yaml")
	again.Namespace = c.obj.Namespace
	again.ObjectMeta = metav1.ObjectMeta{Namespace: c.obj.Namespace, Name: c.obj.Name}
	if err := h.Client.Create(ctx, again); err != nil {
		t.Fatal(err)
	}
	c.obj = again
	c.waitOnline(120 * time.Second)
	for pod := range c.pods() {
		if err := hasEvery(c.member(pod), acks); err != nil {
			t.Fatalf("after the re-creation: %v", err)
		}
	}
	kinds := c.actionNotes(since)
	if slices.ContainsFunc(kinds, func(n string) bool { return strings.HasPrefix(n, "BootstrapGroup:") }) {
		t.Fatalf("the re-created cluster bootstrapped a new group over the retained data: %v", kinds)
	}
}

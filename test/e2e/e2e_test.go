package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orca-operator/orca/test/mysqlsim"
)

// TestEndToEnd runs the failure matrix on one harness: each case has its own namespace and cluster.
func TestEndToEnd(t *testing.T) {
	h := startHarness(t)
	t.Run("SampleComesOnline", func(t *testing.T) { sampleComesOnline(t, h) })
	t.Run("SteadyStateIsQuiet", func(t *testing.T) { steadyStateIsQuiet(t, h) })
	t.Run("KubectlWaitConverges", func(t *testing.T) { kubectlWaitConverges(t, h) })
	t.Run("UserSecretCreatedLater", func(t *testing.T) { userSecretCreatedLater(t, h) })
	t.Run("PrimaryCrashFailsOver", func(t *testing.T) { primaryCrashFailsOver(t, h) })
	t.Run("AllPodsDeletedReboots", func(t *testing.T) { allPodsDeletedReboots(t, h) })
	t.Run("OperatorRestartMidBootstrap", func(t *testing.T) { operatorRestartMidBootstrap(t, h) })
	t.Run("IsolatedSecondaryRecovered", func(t *testing.T) { isolatedSecondaryRecovered(t, h) })
	t.Run("TwoDownForceQuorum", func(t *testing.T) { twoDownForceQuorum(t, h) })
	t.Run("MemberInErrorRejoined", func(t *testing.T) { memberInErrorRejoined(t, h) })
	t.Run("ScaleUpAndDown", func(t *testing.T) { scaleUpAndDown(t, h) })
	t.Run("SwitchoverByAnnotation", func(t *testing.T) { switchoverByAnnotation(t, h) })
	t.Run("RollingUpgrade", func(t *testing.T) { rollingUpgrade(t, h) })
	t.Run("ConfigChangeRollsOneAtATime", func(t *testing.T) { configChangeRolls(t, h) })
	t.Run("CertificateRotationUnderWrites", func(t *testing.T) { certificateRotationUnderWrites(t, h) })
	t.Run("AdoptsClusterCreatedBeforeTLS", func(t *testing.T) { adoptsClusterCreatedBeforeTLS(t, h) })
	t.Run("RecoveringMemberLeftAlone", func(t *testing.T) { recoveringMemberLeftAlone(t, h) })
	t.Run("DoubleCrashRecoversWithoutRequest", func(t *testing.T) { doubleCrashRecovers(t, h) })
	t.Run("IsolatedPrimaryReplaced", func(t *testing.T) { isolatedPrimaryReplaced(t, h) })
	t.Run("OperatorKilledDuringFailover", func(t *testing.T) { operatorKilledDuringFailover(t, h) })
	t.Run("CrashedSecondaryRejoins", func(t *testing.T) { crashedSecondaryRejoins(t, h) })
	t.Run("DeleteAndRecreateWithRetain", func(t *testing.T) { deleteAndRecreateWithRetain(t, h) })
	t.Run("ColocatedThenRebalanced", func(t *testing.T) { colocatedThenRebalanced(t, h) })
	t.Run("DrainUnderBudget", func(t *testing.T) { drainUnderBudget(t, h) })
	t.Run("RequiredDrainWaitsPending", func(t *testing.T) { requiredDrainWaitsPending(t, h) })
	t.Run("MigrationFromSignedPush", func(t *testing.T) { migrationFromSignedPush(t, h) })
}

// TestEndToEndRealTime runs the failures of the primary at a realistic time scale: a simulated second
// lasts 250 ms, so failure detection and the expel timeout take 2.5 s, as a tenth of MySQL's real timing.
// Faster time scales can hide races between Orca's passes and Group Replication's own timers.
func TestEndToEndRealTime(t *testing.T) {
	h := startHarnessWith(t, harnessOptions{second: 250 * time.Millisecond})
	t.Run("PrimaryCrashFailsOver", func(t *testing.T) { primaryCrashFailsOver(t, h) })
	t.Run("IsolatedPrimaryReplaced", func(t *testing.T) { isolatedPrimaryReplaced(t, h) })
	t.Run("DoubleCrashRecoversWithoutRequest", func(t *testing.T) { doubleCrashRecovers(t, h) })
	t.Run("CrashedSecondaryRejoins", func(t *testing.T) { crashedSecondaryRejoins(t, h) })
	t.Run("OperatorKilledDuringFailover", func(t *testing.T) { operatorKilledDuringFailover(t, h) })
}

// The sample cluster: three Running pods with bound volumes, a bootstrapped group ONLINE with one primary,
// role labels and readiness gates set, and the primary Service pointing at the primary.
func sampleComesOnline(t *testing.T, h *harness) {
	c := h.createSample(t)
	primary := c.waitOnline(90 * time.Second)
	eventually(t, 30*time.Second, func() error { return c.primaryServiceFollows(primary) })
	var sts appsv1.StatefulSet
	if err := h.Client.Get(context.Background(), client.ObjectKeyFromObject(c.obj), &sts); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() error {
		if err := h.Client.Get(context.Background(), client.ObjectKeyFromObject(c.obj), &sts); err != nil {
			return err
		}
		if sts.Status.ReadyReplicas != 3 {
			return fmt.Errorf("statefulset ready replicas %d", sts.Status.ReadyReplicas)
		}
		return nil
	})
}

// The primary's mysqld crashes: a new primary is elected, the labels and the primary Service follow, and
// the old primary (restarted by its container) rejoins as a secondary.
func primaryCrashFailsOver(t *testing.T, h *harness) {
	c := h.createSample(t)
	old := c.waitOnline(90 * time.Second)
	wr := c.startWriter()
	defer wr.stopAndCheck()
	h.World.Member(c.obj.Namespace, old).Crash()
	eventually(t, 60*time.Second, func() error {
		p := c.get().Status.Primary
		if p == "" || p == old {
			return fmt.Errorf("primary still %q", p)
		}
		return c.primaryServiceFollows(p)
	})
	primary := c.waitOnline(90 * time.Second)
	if primary == old {
		t.Fatalf("the crashed member is primary again")
	}
}

// Every pod is deleted at once (a full outage): the StatefulSet recreates them, the members come back with
// their data and without Group Replication, and Orca reboots the group with no transaction lost.
func allPodsDeletedReboots(t *testing.T, h *harness) {
	c := h.createSample(t)
	c.waitOnline(90 * time.Second)
	wr := c.startWriter()
	defer wr.stopAndCheck()
	time.Sleep(10 * writeInterval) // some writes before the outage
	var before []mysqlsim.GTIDSet
	var boots []int
	pods := c.pods()
	names := make([]string, 0, len(pods))
	for name := range pods {
		names = append(names, name)
		m := h.World.Member(c.obj.Namespace, name)
		before = append(before, m.GTIDExecuted())
		boots = append(boots, m.Incarnation())
	}
	oldView := c.get().Status.ViewID
	for _, p := range pods {
		if err := h.Client.Delete(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 120*time.Second, func() error {
		if _, err := c.online(); err != nil {
			return err
		}
		if v := c.get().Status.ViewID; v == oldView || strings.Split(v, ":")[0] == strings.Split(oldView, ":")[0] {
			return fmt.Errorf("view %s is still the old group's (%s): not rebooted yet", v, oldView)
		}
		return nil
	})
	for i, name := range names {
		m := h.World.Member(c.obj.Namespace, name)
		if m.Incarnation() <= boots[i] {
			t.Fatalf("%s was not restarted (incarnation %d)", name, m.Incarnation())
		}
		if got := m.GTIDExecuted(); !before[i].SubsetOf(got) {
			t.Fatalf("%s lost transactions: had %s, has %s", name, before[i], got)
		}
	}
}

// The operator stops right after bootstrapping the group, before the other members joined; a new operator
// process re-reads everything and converges.
func operatorRestartMidBootstrap(t *testing.T, h *harness) {
	c := h.createSample(t)
	eventually(t, 90*time.Second, func() error {
		if !c.get().Status.Bootstrapped {
			return fmt.Errorf("not bootstrapped yet")
		}
		return nil
	})
	h.stopOperatorNow()
	if s := c.get().Status; s.OnlineInstances == 3 {
		t.Logf("all members joined before the operator stopped (online %d)", s.OnlineInstances)
	}
	h.startOperator()
	c.waitOnline(90 * time.Second)
}
